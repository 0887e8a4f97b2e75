import Foundation
import XCTest
@testable import Plasticity

/// A protocol run killed (SIGKILL) at seeded random moments and resumed after each kill ends with
/// exactly the results of an uninterrupted run: no cell lost or duplicated. `make test` lands 3 kills;
/// `make kill-test` 20 (PLASTICITY_KILLS, PLASTICITY_KILL_SEED). SIGINT, SIGTERM and write failures too.
final class KillTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func binary() throws -> URL {
        let url = Bundle.main.bundleURL.appendingPathComponent("plasticity")
        guard FileManager.default.isExecutableFile(atPath: url.path) else { throw XCTSkip("no plasticity binary at \(url.path)") }
        return url
    }

    /// 16 cells of a fraction of a second each, two workers.
    let protocolText = """
        name = "kills"
        rules = ["bptt", "eprop-random"]
        tasks = ["flipflop3"]
        seeds = 8
        [task-parameters]
        T = 40
        [model]
        hidden = 16
        activation = "tanh"
        [training]
        batch = 32
        max-trials = 1280
        eval-every = 320
        validation-size = 32
        stop-at-criterion = false
        [ablation]
        steps = 2
        draws = 1
        trials = 32
        """
    let cellCount = 16

    func launch(_ arguments: [String], shell limit: String? = nil) throws -> (Process, Pipe) {
        let process = Process()
        if let limit {
            // A write failure, injected: the file-size limit makes writes past it fail with EFBIG.
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", "ulimit -f \(limit); trap '' XFSZ; exec \"$0\" \"$@\"", try binary().path] + arguments
        } else {
            process.executableURL = try binary()
            process.arguments = arguments
        }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return (process, errors)
    }

    func finish(_ launched: (Process, Pipe)) -> (status: Int32, reason: Process.TerminationReason, stderr: String) {
        let data = launched.1.fileHandleForReading.readDataToEndOfFile()
        launched.0.waitUntilExit()
        return (launched.0.terminationStatus, launched.0.terminationReason, String(decoding: data, as: UTF8.self))
    }

    func run(_ db: String, workers: Int = 2) throws -> (status: Int32, reason: Process.TerminationReason, stderr: String) {
        try finish(launch(["run", path("kills.toml"), "--db", db, "--workers", "\(workers)"]))
    }

    /// The uninterrupted run's fingerprint and wall time.
    func reference() throws -> (fingerprint: String, seconds: Double) {
        try protocolText.write(toFile: path("kills.toml"), atomically: true, encoding: .utf8)
        let start = Date()
        let whole = try run(path("whole.sqlite"))
        XCTAssertEqual(whole.status, 0, whole.stderr)
        return (try ResultsStore.open(existing: path("whole.sqlite")).fingerprint(), Date().timeIntervalSince(start))
    }

    /// SplitMix64: the kill moments from PLASTICITY_KILL_SEED.
    struct Moments {
        var state: UInt64
        mutating func next() -> Double {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
    }

    /// Cells stored so far. A kill before the database was created (or before its first write) leaves
    /// no file or an empty one; any other file must open as a whole database.
    func storedCells(_ db: String) throws -> Int {
        let size = (try? FileManager.default.attributesOfItem(atPath: db)[.size] as? Int) ?? 0
        return size == 0 ? 0 : try ResultsStore.open(existing: db).count()
    }

    func testKilledAtRandomMomentsAndResumedEqualsAnUninterruptedRun() throws {
        let environment = ProcessInfo.processInfo.environment
        let kills = Int(environment["PLASTICITY_KILLS"] ?? "") ?? 3
        var moments = Moments(state: UInt64(environment["PLASTICITY_KILL_SEED"] ?? "") ?? 14)
        let (expected, seconds) = try reference()
        // Startup (process, protocol check, opening the database, the summary) measured on its own:
        // a run over a complete database does nothing else. Kill moments are spread over the startup
        // plus what is left of the cells, so a kill lands in every phase whatever the machine's speed.
        let startupStart = Date()
        XCTAssertEqual(try run(path("whole.sqlite")).status, 0)
        let startup = Date().timeIntervalSince(startupStart)
        let perCell = max(seconds - startup, 0.05) / Double(cellCount)
        // A round's fourth start is left to finish, so a round always ends, however slow or fast the machine.
        let killsPerRound = 3
        let bound = 4 * kills + 20
        var landed = 0, rounds = 0, attempts = 0
        while landed < kills {
            rounds += 1
            let db = path("killed-\(rounds).sqlite")
            // Kill, resume, kill ... until a resumed run finishes: then it must equal the reference.
            var killedThisRound = 0
            while true {
                attempts += 1
                guard attempts <= bound else { return XCTFail("\(attempts) starts for \(landed) kills: the kill moments never land") }
                let stored = try storedCells(db)
                let launched = try launch(["run", path("kills.toml"), "--db", db, "--workers", "2"])
                let pid = launched.0.processIdentifier
                let killer = DispatchWorkItem { kill(pid, SIGKILL) }
                if killedThisRound < killsPerRound {
                    let delay = moments.next() * 1.1 * (startup + perCell * Double(cellCount - stored))
                    DispatchQueue.global().asyncAfter(deadline: .now() + delay, execute: killer)
                }
                let result = finish(launched)
                killer.cancel()
                if result.reason == .uncaughtSignal {
                    landed += 1
                    killedThisRound += 1
                    XCTAssertLessThanOrEqual(try storedCells(db), cellCount)
                    continue
                }
                XCTAssertEqual(result.status, 0, result.stderr)
                break
            }
            let resumed = try ResultsStore.open(existing: db)
            XCTAssertEqual(try resumed.count(), cellCount, "no cell lost or duplicated (round \(rounds))")
            XCTAssertEqual(try resumed.fingerprint(), expected, "round \(rounds) equals the uninterrupted run")
        }
        print("kill test: \(landed) kills survived in \(rounds) rounds, \(attempts) starts, 0 cells lost (seed \(environment["PLASTICITY_KILL_SEED"] ?? "14"))")
    }

    /// SIGINT: the cells in flight finish and are stored, a line says how to resume, status 130;
    /// a second SIGINT stops at once; SIGTERM abandons the cells in flight, status 143. Resuming gives the uninterrupted results.
    func testSignalsStopCleanlyAndTellHowToResume() throws {
        let (expected, seconds) = try reference()
        for (name, signals, status) in [("int", [SIGINT], Int32(130)), ("twice", [SIGINT, SIGINT], 130), ("term", [SIGTERM], 143)] {
            let db = path("\(name).sqlite")
            let launched = try launch(["run", path("kills.toml"), "--db", db, "--workers", "2"])
            let pid = launched.0.processIdentifier
            for (i, signal) in signals.enumerated() {
                DispatchQueue.global().asyncAfter(deadline: .now() + 0.4 * seconds + 0.05 * Double(i)) { kill(pid, signal) }
            }
            let result = finish(launched)
            XCTAssertEqual(result.reason, .exit, "\(name): exits, not killed: \(result.stderr)")
            XCTAssertEqual(result.status, status, "\(name): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("resume with: plasticity run \(path("kills.toml")) --db \(db) --workers 2"), "\(name): \(result.stderr)")
            let stored = try ResultsStore.open(existing: db).count()
            XCTAssertLessThan(stored, cellCount, "\(name): stopped early")
            let resumed = try run(db)
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
            XCTAssertEqual(try ResultsStore.open(existing: db).fingerprint(), expected, name)
        }
    }

    /// A disk that fills up mid-run (an injected write failure: a file-size limit) is one line naming
    /// the file; the cells stored before stay whole, and the run resumes to the uninterrupted results.
    func testAFullDiskIsReportedAndLosesNothing() throws {
        let (expected, _) = try reference()
        let db = path("full.sqlite")
        let whole = try FileManager.default.attributesOfItem(atPath: path("whole.sqlite"))[.size] as! Int
        _ = try ResultsStore(path: path("empty.sqlite"))
        let empty = try FileManager.default.attributesOfItem(atPath: path("empty.sqlite"))[.size] as! Int
        // Room for the schema and about half the cells (bash counts 1024-byte blocks).
        let result = finish(try launch(["run", path("kills.toml"), "--db", db, "--workers", "2"], shell: "\((empty + (whole - empty) / 2) / 1024)"))
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("error: \(db): cannot store rule "), result.stderr)
        XCTAssertTrue(result.stderr.contains("run the same command again to resume"), result.stderr)
        XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr)
        let partial = try ResultsStore.open(existing: db)
        XCTAssertLessThan(try partial.count(), cellCount)
        XCTAssertEqual(try run(db).status, 0)
        XCTAssertEqual(try ResultsStore.open(existing: db).fingerprint(), expected)
    }
}
