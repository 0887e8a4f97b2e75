import XCTest

/// `plasticity predict` through the binary: a tiny protocol, its exact output, reuse of stored
/// cells on a second call, and a bad protocol refused with one line and nothing written.
final class PredictCommandTests: XCTestCase {
    static let tiny = """
        name = "tiny-predict"
        rules = ["bptt", "node-perturbation"]
        tasks = ["flipflop3"]
        seeds = 3
        [task-parameters]
        T = 12
        [model]
        hidden = 8
        activation = "tanh"
        [training]
        batch = 16
        max-trials = 256
        eval-every = 64
        validation-size = 32
        stop-at-criterion = false
        [ablation]
        fractions = [0, 0.2, 0.5]
        draws = 2
        trials = 32
        [predictions]
        probe-trials = 4
        stream-steps = 200
        stream-trials = 2
        """

    func testPredictOnATinyProtocol() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("predict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.tiny.write(to: directory.appendingPathComponent("tiny.toml"), atomically: true, encoding: .utf8)
        let arguments = ["predict", "tiny.toml", "--db", "results.sqlite", "--out", "out", "--workers", "2"]

        let first = try CLI.run(arguments, in: directory)
        XCTAssertEqual(first.status, 0, first.stderr)
        let report = """
            flipflop3, leaky RNN: 6 networks, 2 rules; rule identified by logistic 83% [44%, 97%], nearest-centroid 67% [30%, 90%] (chance 50%)
            written: predictions.md, predictions.csv, silencing-flipflop3-leaky-rnn.svg, identifiability-flipflop3-leaky-rnn.svg

            """
        XCTAssertEqual(first.stdout, "tiny-predict: 6 cells, 0 already stored, 6 run now (0 diverged)\n" + report)
        let again = try CLI.run(arguments, in: directory)
        XCTAssertEqual(again.stdout, "tiny-predict: 6 cells, 6 already stored, 0 run now (0 diverged)\n" + report, "the second call reuses every cell")
        let markdown = try String(contentsOf: directory.appendingPathComponent("out/predictions.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("Regenerate with `plasticity predict tiny.toml --db results.sqlite --out out`."), markdown)

        let bad = try CLI.run(["predict", "missing.toml", "--db", "other.sqlite", "--out", "other"], in: directory)
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1, bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("other.sqlite").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("other").path))
    }
}
