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

    func launch(_ arguments: [String], shell limit: String? = nil, capturingOutput: Bool = false) throws -> (Process, Pipe, Pipe?) {
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
        let output = capturingOutput ? Pipe() : nil
        process.standardOutput = output ?? FileHandle.nullDevice
        try process.run()
        return (process, errors, output)
    }

    func finish(_ launched: (Process, Pipe, Pipe?)) -> (status: Int32, reason: Process.TerminationReason, stderr: String, stdout: String) {
        // stdout is read on its own thread: a full pipe must not block the process while stderr is read.
        let box = OutputBox()
        let group = DispatchGroup()
        if let output = launched.2 {
            DispatchQueue.global().async(group: group) { box.data = output.fileHandleForReading.readDataToEndOfFile() }
        }
        let data = launched.1.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        launched.0.waitUntilExit()
        return (launched.0.terminationStatus, launched.0.terminationReason, String(decoding: data, as: UTF8.self), String(decoding: box.data, as: UTF8.self))
    }

    final class OutputBox: @unchecked Sendable { var data = Data() }  // written by one thread, read after it joined

    /// Waits (polling) until `ready` holds while `process` runs: a signal sent then lands in a known
    /// phase of the run whatever the machine's speed. False when the process ended first.
    func wait(for process: Process, until ready: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(300)
        while process.isRunning && Date() < deadline {
            if ready() { return true }
            usleep(5_000)
        }
        return false
    }

    /// True once `pid` catches SIGINT (/proc's SigCgt mask): its handler is installed.
    func catchesSIGINT(_ pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
              let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (1 << (UInt64(SIGINT) - 1)) != 0
    }

    func run(_ db: String, workers: Int = 2) throws -> (status: Int32, reason: Process.TerminationReason, stderr: String, stdout: String) {
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

    /// `compare --db` handles signals as `run` does: SIGINT lets the cells in flight finish, a second
    /// SIGINT or a SIGTERM abandons them; the line to resume, 130/143, and resuming completes the
    /// uninterrupted results. Signals are sent once the first cell is stored (not at a wall-clock moment).
    func testCompareStopsCleanlyOnSignalsAndResumes() throws {
        func arguments(_ db: String) -> [String] {
            ["compare", "--rules", "bptt,eprop-random", "--task", "flipflop3", "--task-param", "T=40", "--hidden", "16",
             "--activation", "tanh", "--batch", "32", "--max-trials", "1280", "--eval-every", "320", "--seeds", "8",
             "--db", db, "--workers", "2"]
        }
        let whole = finish(try launch(arguments(path("compare-whole.sqlite"))))
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let expected = try ResultsStore.open(existing: path("compare-whole.sqlite")).fingerprint()
        XCTAssertEqual(try ResultsStore.open(existing: path("compare-whole.sqlite")).count(), cellCount)
        for (name, signals, status) in [("int", [SIGINT], Int32(130)), ("twice", [SIGINT, SIGINT], 130), ("term", [SIGTERM], 143)] {
            let db = path("compare-\(name).sqlite")
            let launched = try launch(arguments(db))
            let pid = launched.0.processIdentifier
            // The handler is installed once the file is created and migrated: only then may this process
            // open it (two processes migrating one new file at once collide).
            XCTAssertTrue(
                wait(for: launched.0) { catchesSIGINT(pid) && ((try? storedCells(db)) ?? 0) >= 1 }, "\(name): a cell is stored before the run ends")
            for signal in signals {
                kill(pid, signal)
                usleep(50_000)
            }
            let result = finish(launched)
            XCTAssertEqual(result.reason, .exit, "\(name): exits, not killed: \(result.stderr)")
            XCTAssertEqual(result.status, status, "\(name): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("resume with: plasticity " + arguments(db).joined(separator: " ") + "\n"), "\(name): \(result.stderr)")
            XCTAssertLessThan(try ResultsStore.open(existing: db).count(), cellCount, "\(name): stopped early")
            let resumed = finish(try launch(arguments(db)))
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
            XCTAssertEqual(try ResultsStore.open(existing: db).fingerprint(), expected, name)
        }
    }

    /// `train`: SIGINT or SIGTERM stops at the next step boundary, writes the checkpoint and prints the
    /// exact command that resumes it (130/143); resumed, the final network and curve are bit-identical
    /// to an uninterrupted run's. Without --checkpoint it says where it stopped and that nothing was
    /// saved; a second SIGINT exits at once.
    func testTrainStopsAtAStepBoundaryAndResumesBitIdentically() throws {
        let base = ["train", "--task", "flipflop3", "--task-param", "T=40", "--hidden", "16", "--activation", "tanh",
                    "--batch", "32", "--max-trials", "16000", "--eval-every", "320", "--validation", "32", "--no-stop", "--seed", "3", "--json"]
        func summary(_ stdout: String) throws -> RunSummary {
            var decoded = try JSONDecoder().decode(RunSummary.self, from: Data(stdout.utf8))
            decoded.wallSeconds = 0  // the only field that is not determined by the seed
            return decoded
        }
        let whole = try finish(launch(base + ["--save", path("whole.json")], capturingOutput: true))
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let expected = try summary(whole.stdout)
        for (name, signal, status) in [("int", SIGINT, Int32(130)), ("term", SIGTERM, 143)] {
            let checkpoint = path("\(name).ckpt"), saved = path("\(name).json")
            let arguments = base + ["--checkpoint", checkpoint, "--checkpoint-every", "320", "--save", saved]
            let launched = try launch(arguments)
            XCTAssertTrue(wait(for: launched.0) { FileManager.default.fileExists(atPath: checkpoint) }, "\(name): the first checkpoint is written")
            kill(launched.0.processIdentifier, signal)
            let result = finish(launched)
            XCTAssertEqual(result.reason, .exit, "\(name): \(result.stderr)")
            XCTAssertEqual(result.status, status, "\(name): \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: saved), "\(name): an unfinished network is not saved")
            let resume = "resume with: plasticity " + (arguments + ["--resume", checkpoint]).joined(separator: " ")
            XCTAssertTrue(result.stderr.contains(resume + "\n"), "\(name): \(result.stderr)")
            let stopped = try TrainingCheckpoint.load(from: checkpoint).state.trials
            XCTAssertLessThan(stopped, 16000, name)
            XCTAssertTrue(result.stderr.contains("stopped at trial \(stopped)"), "\(name): \(result.stderr)")
            // Resumed with the printed command, interrupted at its own step boundary, it ends where the whole run did.
            let resumed = try finish(launch(arguments + ["--resume", checkpoint], capturingOutput: true))
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
            XCTAssertEqual(try summary(resumed.stdout), expected, name)
            XCTAssertEqual(FileManager.default.contents(atPath: saved), FileManager.default.contents(atPath: path("whole.json")), name)
        }
        // Without a checkpoint: nothing saved, said so; twice: at once. The signal is sent once the handler is installed.
        for (name, signals) in [("unsaved", [SIGINT]), ("twice", [SIGINT, SIGINT])] {
            let launched = try launch(base.dropLast().map { $0 == "16000" ? "10000000" : $0 })
            let pid = launched.0.processIdentifier
            XCTAssertTrue(wait(for: launched.0) { catchesSIGINT(pid) }, name)
            for signal in signals {
                kill(pid, signal)
                usleep(50_000)
            }
            let result = finish(launched)
            XCTAssertEqual(result.reason, .exit, "\(name): \(result.stderr)")
            XCTAssertEqual(result.status, 130, "\(name): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("nothing was saved"), "\(name): \(result.stderr)")
            XCTAssertFalse(result.stderr.contains("resume with:"), "\(name): \(result.stderr)")
        }
    }

    /// A results file this user may not write: `run` adding cells to it is refused before any work in
    /// one line naming the file and saying it is read-only (exit 2), the file byte for byte unchanged;
    /// reading commands (report, export) still work. As root (who may write anyway) the commands run
    /// as `nobody` (setpriv), on a root-owned 0644 file in a root-owned 0755 directory.
    func testAReadOnlyResultsFileIsRefusedByNameAndStillRead() throws {
        _ = try reference()
        let folder = path("read-only")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let db = folder + "/ro.sqlite"
        try FileManager.default.copyItem(atPath: path("whole.sqlite"), toPath: db)
        chmod(db, 0o644)
        chmod(folder, 0o755)
        let out = path("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        chmod(out, 0o777)
        // More seeds under another name: the run has cells (and a protocol) to add.
        try protocolText.replacingOccurrences(of: "name = \"kills\"", with: "name = \"kills-more\"")
            .replacingOccurrences(of: "seeds = 8", with: "seeds = 9").write(toFile: path("more.toml"), atomically: true, encoding: .utf8)
        chmod(path("more.toml"), 0o644)
        chmod(directory.path, 0o755)
        let asRoot = getuid() == 0
        if !asRoot { chmod(db, 0o444) }
        func unprivileged(_ arguments: [String]) throws -> (status: Int32, reason: Process.TerminationReason, stderr: String, stdout: String) {
            guard asRoot else { return finish(try launch(arguments)) }
            let setpriv = "/usr/bin/setpriv"
            guard FileManager.default.isExecutableFile(atPath: setpriv) else { throw XCTSkip("no \(setpriv) to drop root's privileges") }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", try binary().path] + arguments
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            return finish((process, errors, nil))
        }
        let before = FileManager.default.contents(atPath: db)
        let refused = try unprivileged(["run", path("more.toml"), "--db", db, "--workers", "2"])
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertTrue(refused.stderr.hasPrefix("error: \(db): the file is read-only"), refused.stderr)
        XCTAssertEqual(refused.stderr.filter { $0 == "\n" }.count, 1, refused.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: db), before, "the file is unchanged")
        chmod(path("whole.sqlite"), 0o644)
        let merged = try unprivileged(["merge", path("whole.sqlite"), "--db", db])
        XCTAssertEqual(merged.status, 2, merged.stderr)
        XCTAssertTrue(merged.stderr.hasPrefix("error: \(db): the file is read-only"), merged.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: db), before, "the merge left the file unchanged")
        let report = try unprivileged(["report", db, "--out", out + "/report"])
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/report/summary.md"), report.stderr)
        let export = try unprivileged(["export", db, "--csv", out + "/csv"])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: db), before, "reading leaves the file unchanged")
    }

    /// Every failed write of an output is status 74 and one line naming the file: a checkpoint (the
    /// run stops; the previous checkpoint stays whole) and `--save` at the end of a run.
    func testFailedWritesOfCheckpointsAndSavedNetworksAre74() throws {
        let base = ["train", "--task", "flipflop3", "--task-param", "T=40", "--hidden", "16", "--batch", "32", "--max-trials", "640"]
        let checkpoint = path("full.ckpt")
        // A checkpoint of this run is about 40 KB, past a 16 KB file-size limit.
        let stopped = finish(try launch(base + ["--checkpoint", checkpoint, "--checkpoint-every", "64"], shell: "16"))
        XCTAssertEqual(stopped.status, WriteFailure.exitStatus, stopped.stderr)
        XCTAssertTrue(stopped.stderr.hasPrefix("error: \(checkpoint): cannot write (the file-size limit was reached); the checkpoint written before it (if any) is intact"), stopped.stderr)
        XCTAssertEqual(stopped.stderr.filter { $0 == "\n" }.count, 1, stopped.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint), "no half file")
        let saved = path("full.json")
        let unsaved = finish(try launch(base + ["--save", saved], shell: "4"))
        XCTAssertEqual(unsaved.status, WriteFailure.exitStatus, unsaved.stderr)
        XCTAssertTrue(unsaved.stderr.hasPrefix("error: \(saved): cannot write (the file-size limit was reached)"), unsaved.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: saved), "no half file")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") }, [], "no temporary file left")
    }

    /// A merge that meets a full disk (the same injected limit) is one line, exit 74, and leaves the
    /// target as it was: the merge is one transaction. Run again with room, it completes.
    func testAMergeOntoAFullDiskIsOneLineAndChangesNothing() throws {
        let (expected, _) = try reference()
        let target = path("merged.sqlite")
        _ = try ResultsStore(path: path("empty.sqlite"))
        let empty = try FileManager.default.attributesOfItem(atPath: path("empty.sqlite"))[.size] as! Int
        let whole = try FileManager.default.attributesOfItem(atPath: path("whole.sqlite"))[.size] as! Int
        let result = finish(try launch(["merge", path("whole.sqlite"), "--db", target], shell: "\((empty + (whole - empty) / 2) / 1024)"))
        XCTAssertEqual(result.status, WriteFailure.exitStatus, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("error: \(target): cannot merge: "), result.stderr)
        XCTAssertTrue(result.stderr.contains("the file is unchanged"), result.stderr)
        XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr)
        XCTAssertEqual(try ResultsStore.open(existing: target).count(), 0, "the failed merge added nothing")
        let again = finish(try launch(["merge", path("whole.sqlite"), "--db", target]))
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try ResultsStore.open(existing: target).fingerprint(), expected)
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
        XCTAssertEqual(result.status, WriteFailure.exitStatus, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("error: \(db): cannot store rule "), result.stderr)
        XCTAssertTrue(result.stderr.contains("run the same command again to resume"), result.stderr)
        XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr)
        let partial = try ResultsStore.open(existing: db)
        XCTAssertLessThan(try partial.count(), cellCount)
        XCTAssertEqual(try run(db).status, 0)
        XCTAssertEqual(try ResultsStore.open(existing: db).fingerprint(), expected)
    }
}
