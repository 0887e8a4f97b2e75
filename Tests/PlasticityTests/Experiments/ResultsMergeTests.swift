import Foundation
import GRDB
import XCTest
@testable import Plasticity

/// Shards in separate files (a SLURM job array) merged into one equal a single-process run; merging
/// is idempotent, reports duplicates and missing cells, and refuses files that do not belong together.
final class ResultsMergeTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("merge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// 2 conditions × 2 seeds of a small BPTT run; the second condition diverges on purpose.
    func tinyProtocol(maxTrials: Int = 128) throws -> ExperimentProtocol {
        try ProtocolParser.parse("""
            name = "tiny"
            rules = ["bptt"]
            tasks = ["flipflop3"]
            seeds = 2
            [task-parameters]
            T = 20
            [model]
            hidden = 6
            activation = "tanh"
            [training]
            batch = 8
            max-trials = \(maxTrials)
            eval-every = 64
            validation-size = 16
            learning-rate = 0.01
            [[conditions]]
            label = "ok"
            [[conditions]]
            label = "diverging"
            model = { gain = 100.0, activation = "relu" }
            training = { optimizer = "sgd", learning-rate = 10.0 }
            task-parameters = { T = 200 }
            [perturbation]
            weights = [0, 1]
            draws = 1
            trials = 16
            """, file: "tiny.toml", defaultName: "tiny")
    }

    /// Runs shard i of n into its own file, as array task i does.
    func shard(_ i: Int, of n: Int, _ experiment: ExperimentProtocol) throws -> String {
        let file = path("part-\(i).sqlite")
        _ = try ProtocolRunner.run(experiment, store: try ResultsStore(path: file), workers: 1, shard: (i, n))
        return file
    }

    func testMergedShardsEqualOneRunAndMergingAgainChangesNothing() throws {
        let experiment = try tinyProtocol()
        let whole = try ResultsStore(path: path("whole.sqlite"))
        _ = try ProtocolRunner.run(experiment, store: whole, workers: 2)
        let parts = try (0..<3).map { try shard($0, of: 3, experiment) }

        // Two of three shards: the third shard's cells are missing.
        let partial = try ResultsMerge.merge(Array(parts[0..<2]), into: path("merged.sqlite"))
        XCTAssertEqual(partial.added, 3)
        XCTAssertEqual(partial.status.map(\.missing), [experiment.cells(shard: 2, of: 3).map(\.label)])
        XCTAssertEqual(partial.status[0].cells, 4)

        let report = try ResultsMerge.merge(parts, into: path("merged.sqlite"))
        XCTAssertEqual(report.added, 1)
        XCTAssertEqual(report.alreadyPresent, 3)
        XCTAssertEqual(report.duplicates, [])
        let status = report.status[0]
        XCTAssertEqual(status.missing, [])
        XCTAssertEqual(status.done.count, 4)
        XCTAssertEqual(status.diverged.count, 2)
        XCTAssertTrue(status.diverged.first?.hasPrefix("rule bptt, task flipflop3, condition diverging, seed 1 (at trial ") == true, "\(status.diverged)")
        let merged = try ResultsStore(path: path("merged.sqlite"))
        let fingerprint = try whole.fingerprint()
        XCTAssertEqual(try merged.fingerprint(), fingerprint)
        XCTAssertEqual(try merged.fingerprintDigest(), try whole.fingerprintDigest())

        let again = try ResultsMerge.merge(parts, into: path("merged.sqlite"))
        XCTAssertEqual(again.added, 0)
        XCTAssertEqual(again.alreadyPresent, 4)
        XCTAssertEqual(try merged.fingerprint(), fingerprint)
        XCTAssertTrue(again.text.hasPrefix("merged 3 file(s): 0 runs added, 4 already present, 0 duplicate(s) across inputs\nprotocol tiny: 4 cells, 4 done (2 diverged), 0 missing\n"), again.text)

        // A cell in two inputs (the whole run and a shard) is copied once and reported.
        let overlapping = try ResultsMerge.merge([parts[1], path("whole.sqlite")], into: path("overlap.sqlite"))
        XCTAssertEqual(overlapping.added, 4)
        XCTAssertEqual(overlapping.duplicates, experiment.cells(shard: 1, of: 3).map { "protocol tiny: " + $0.label })
        XCTAssertEqual(try ResultsStore(path: path("overlap.sqlite")).fingerprint(), fingerprint)
    }

    func testMismatchedInputsAreRefusedAndNothingIsWritten() throws {
        let a = try shard(0, of: 2, try tinyProtocol())
        // The same protocol name with another budget: a different protocol.
        let other = path("other.sqlite")
        _ = try ProtocolRunner.run(try tinyProtocol(maxTrials: 64), store: try ResultsStore(path: other), workers: 1, shard: (1, 2))
        let target = path("merged.sqlite")
        XCTAssertThrowsError(try ResultsMerge.merge([a, other], into: target)) {
            XCTAssertEqual("\($0)", "\(other): protocol 'tiny' differs from its definition in \(a); valid: results files of one protocol file")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))

        // Results of another plasticity version.
        let b = try shard(1, of: 2, try tinyProtocol())
        let old = path("old.sqlite")
        try FileManager.default.copyItem(atPath: b, toPath: old)
        try DatabaseQueue(path: old).write { try $0.execute(sql: "UPDATE runs SET version = '0.0.1'") }
        XCTAssertThrowsError(try ResultsMerge.merge([a, old], into: target)) {
            XCTAssertEqual("\($0)", "\(old): results of plasticity 0.0.1, but \(a) holds \(PlasticityVersion.current); valid: files written by one version")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))

        XCTAssertThrowsError(try ResultsMerge.merge([path("none.sqlite")], into: target)) {
            XCTAssertEqual("\($0)", "\(self.path("none.sqlite")): no such file")
        }
        XCTAssertThrowsError(try ResultsMerge.merge([a], into: a)) {
            XCTAssertEqual("\($0)", "\(a): is also the --db target; valid: a separate output file")
        }
        let text = path("notes.sqlite")
        try "not a database".write(toFile: text, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ResultsMerge.merge([text], into: target)) {
            XCTAssertTrue("\($0)".hasPrefix("\(text): not a results database"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))
    }

    func testStatusOfOneProtocolAndAnUnknownName() throws {
        let file = try shard(0, of: 2, try tinyProtocol())
        let store = try ResultsStore(path: file)
        let status = try ResultsStatus.status(of: store, protocol: "tiny")
        XCTAssertEqual(status.map(\.done.count), [2])
        XCTAssertEqual(status[0].text(listDone: true).components(separatedBy: "\n").first, "protocol tiny: 4 cells, 2 done (1 diverged), 2 missing")
        XCTAssertThrowsError(try ResultsStatus.status(of: store, protocol: "tinny")) {
            XCTAssertEqual("\($0)", "\(file): unknown protocol 'tinny' (did you mean 'tiny'?); valid: tiny")
        }
    }

    func testMemoryEstimateGrowsWithWhatTheCellHolds() throws {
        var experiment = try tinyProtocol()
        experiment.rules = ["bptt", "rtrl"]
        let cells = experiment.cells
        let bptt = MemoryEstimate.bytes(of: cells[0]), rtrl = MemoryEstimate.bytes(of: cells[1])
        // flipflop3 T = 20, B = 8, N = 6, I = O = 3, V = 16, P = 6·6 + 6·3 + 2·6 + 3·6 + 3 = 87:
        // 20·8·(24 + 3) + 20·8·(3 + 6) + 16·20·(3 + 6) + 16·20·(24 + 3) + 8·87 doubles.
        let p = Double(cells[0].spec.model.makeModel(inputSize: 3, outputSize: 3, rng: RandomSource(seed: 0, stream: "x")).layout.count)
        XCTAssertEqual(Double(bptt), 8 * (160.0 * 27 + 160 * 9 + 320 * 9 + 320 * 27 + 8 * p))
        XCTAssertEqual(rtrl - bptt, 8 * 2 * 6 * (36 + 18 + 12))
        var stp = cells[0]
        stp.spec.modifiers = [.shortTermPlasticity(ShortTermPlasticityConfig(eta: 0.1))]
        XCTAssertEqual(MemoryEstimate.bytes(of: stp) - bptt, 8 * 8 * 36)
        XCTAssertEqual(MemoryEstimate.requestMiB(cells: cells, workers: 1), 256)
        var big = cells[1]
        big.spec.model.hidden = 256
        big.spec.training.batchSize = 64
        // RTRL at N = 256, B = 64, T = 20, V = 16: sensitivities 2·256·(65536 + 768 + 512) = 34.2 M doubles,
        // the rest 2.2 M (P = 67,587): 291 MB; with the process's 128 MiB, times 1.5: 609 MiB; two at once 1,026 MiB.
        XCTAssertEqual(MemoryEstimate.requestMiB(cells: [big], workers: 1), 609)
        XCTAssertEqual(MemoryEstimate.requestMiB(cells: [big, cells[0], big], workers: 2), 1026)
    }

    func testSlurmJobScript() throws {
        let text = "name = \"tiny\"\nrules = [\"bptt\"]\ntasks = [\"flipflop3\"]\nseeds = 5\n[training]\nmax-trials = 64\n"
        let experiment = try ProtocolParser.parse(text, file: "tiny.toml", defaultName: "tiny")
        var job = SlurmJob(experiment: experiment, protocolText: text, protocolFileName: "tiny.toml", binary: "/opt/bin/plasticity")
        job.tasks = 2
        job.time = "1:00:00"
        job.partition = "short"
        job.workingDirectory = "/home/me"
        let written = try job.write(to: path("job"))
        XCTAssertEqual(written.tasks, 2)
        XCTAssertEqual(written.cells, 5)
        XCTAssertEqual(try String(contentsOfFile: path("job/tiny.toml"), encoding: .utf8), text)
        let script = try String(contentsOfFile: written.script, encoding: .utf8).components(separatedBy: "\n")
        for line in [
            "#SBATCH --array=0-1", "#SBATCH --cpus-per-task=1", "#SBATCH --mem=\(written.memoryMiB)M", "#SBATCH --time=1:00:00",
            "#SBATCH --partition=short", "#SBATCH --output=\(path("job"))/slurm-%A_%a.out", "PLASTICITY=\"${PLASTICITY:-/opt/bin/plasticity}\"",
            "cd '/home/me'",
            "exec \"$PLASTICITY\" run '\(path("job"))/tiny.toml' --cells \"$i/2\" --db '\(path("job"))/part'\"-$i.sqlite\" --workers 1",
        ] {
            XCTAssertTrue(script.contains(line), line)
        }
        XCTAssertFalse(script.contains { $0.contains(" cp ") })
        // A second array starting from the merged first one (a [sweep]'s selection runs).
        job.startFrom = path("job/part-0.sqlite")
        XCTAssertThrowsError(try job.write(to: path("second"))) {
            XCTAssertEqual("\($0)", "\(self.path("job/part-0.sqlite")): --start-from: no such file")
        }
        FileManager.default.createFile(atPath: path("merged.sqlite"), contents: Data())
        job.startFrom = path("merged.sqlite")
        let second = try String(contentsOfFile: try job.write(to: path("second")).script, encoding: .utf8).components(separatedBy: "\n")
        XCTAssertTrue(second.contains("[ -e '\(path("second"))/part'\"-$i.sqlite\" ] || cp '\(path("merged.sqlite"))' '\(path("second"))/part'\"-$i.sqlite\""), "\(second)")
        job.startFrom = nil
        job.tasks = 6
        XCTAssertThrowsError(try job.write(to: path("job2"))) {
            XCTAssertEqual("\($0)", "--tasks: value 6 out of range; valid: 1...5 (the protocol has 5 cells)")
        }
        job.tasks = nil
        job.time = "soon"
        XCTAssertThrowsError(try job.write(to: path("job2"))) {
            XCTAssertEqual("\($0)", "--time: 'soon' is not a SLURM time; valid: minutes, H:MM:SS or D-HH:MM:SS")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("job2")))
    }
}
