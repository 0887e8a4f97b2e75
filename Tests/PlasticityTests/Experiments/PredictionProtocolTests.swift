import XCTest
@testable import Plasticity
@testable import PlasticityStoring

/// `[predictions]` end to end on a tiny protocol: measures stored per run, identical for any number
/// of workers, merged with the runs, and turned into the table and its files.
final class PredictionProtocolTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("predictions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// BPTT and BPTT with STP, tanh N = 8, flip-flop T = 12, 256 trials, 3 seeds.
    static let tinyText = """
        name = "tiny-predictions"
        rules = ["bptt", "eprop-random"]
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
        [[conditions]]
        label = "plain"
        [[conditions]]
        label = "stp"
        rules = ["bptt"]
        modifiers = [{ kind = "stp", eta = 0.05, tau-f = 20 }]
        [ablation]
        fractions = [0, 0.2, 0.5]
        draws = 2
        trials = 32
        [predictions]
        probe-trials = 4
        stream-steps = 200
        stream-trials = 2
        """

    func testMeasuresAreStoredMergedAndTabulated() throws {
        let experiment = try ProtocolParser.parse(Self.tinyText, file: "tiny.toml", defaultName: "tiny")
        let one = try ResultsStore(path: path("one.sqlite")), two = try ResultsStore(path: path("two.sqlite"))
        _ = try ProtocolRunner.run(experiment, store: one, workers: 1)
        _ = try ProtocolRunner.run(experiment, store: two, workers: 2)
        XCTAssertEqual(try two.fingerprint(), try one.fingerprint(), "same seeds, same measures, any number of workers")
        let measures = try one.predictionMeasures()
        XCTAssertEqual(measures.count, 9)
        for (_, values) in measures {
            for name in ["dimension-before", "dimension-after", "tau-median", "tau-net-median", "syn-hebbian", "syn-r2", "dw-kurtosis"] {
                XCTAssertNotNil(values[name], name)
            }
        }
        // merge copies the rows with their runs.
        _ = try ResultsMerge.merge([path("one.sqlite")], into: path("merged.sqlite"))
        let merged = try ResultsStore(path: path("merged.sqlite"))
        XCTAssertEqual(try merged.fingerprint(), try one.fingerprint())

        let table = try PredictionTable.make(store: one, experiment: experiment)
        XCTAssertEqual(table.settings.map(\.setting), ["flipflop3, leaky RNN"])
        let s = table.settings[0]
        XCTAssertEqual(s.labels, ["bptt", "eprop-random", "bptt+stp"])
        XCTAssertEqual(s.runs.count, 9)
        XCTAssertEqual(s.pairs.filter { $0.observable == "silencing-random-20" }.count, 3)
        XCTAssertEqual(s.classifiers.map(\.kind), [.logistic, .nearestCentroid])
        XCTAssertEqual(s.classifiers[0].folds, 3)
        XCTAssertEqual(s.summaries["syn-hebbian"]?["bptt"]?.count, 3)

        let files = try PredictionsReport.write(table, to: path("out"), source: "one.sqlite", command: "plasticity predict tiny.toml")
        XCTAssertEqual(files.map { ($0 as NSString).lastPathComponent },
                       ["predictions.md", "predictions.csv", "silencing-flipflop3-leaky-rnn.svg", "identifiability-flipflop3-leaky-rnn.svg"])
        let markdown = try String(contentsOfFile: path("out/predictions.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("- Under bptt, silencing 20% of neurons at random costs "), markdown)
        XCTAssertTrue(markdown.contains("### Which experiment tells the rules apart"))
        let csv = try String(contentsOfFile: path("out/predictions.csv"), encoding: .utf8).split(separator: "\n")
        // Header, 3 labels × observables summaries, 3 pairs × observables effects.
        XCTAssertEqual(csv.count, 1 + s.observables.count * 6)
    }

    func testPredictionsTableDefaultsRangesAndCurriculumRefusal() throws {
        let base = "name = \"t\"\nrules = [\"bptt\"]\ntasks = [\"n-parity\"]\n"
        func parse(_ text: String) throws -> ExperimentProtocol { try ProtocolParser.parse(text, file: "p.toml", defaultName: "p") }
        XCTAssertEqual(try parse(base + "[predictions]\n").analyses.predictions, PredictionMeasures())
        XCTAssertEqual(try parse(base + "[predictions]\nstream-steps = 500\n").analyses.predictions?.streamSteps, 500)
        XCTAssertNil(try parse(base).analyses.predictions)
        for (text, parts) in [
            ("[predictions]\nprobe-trials = 0\n", ["p.toml", "predictions.probe-trials", "1...4096"]),
            ("[predictions]\nstream-step = 500\n", ["p.toml", "unknown key 'stream-step'", "stream-steps"]),
            ("[predictions]\n[curriculum]\nkind = \"multi-head\"\n", ["p.toml", "[predictions] is not run on curriculum cells"]),
        ] {
            XCTAssertThrowsError(try parse(base + text)) { error in
                let message = (error as? InputError)?.message ?? "\(error)"
                XCTAssertFalse(message.contains("\n"))
                for part in parts { XCTAssertTrue(message.contains(part), "'\(message)' lacks '\(part)'") }
            }
        }
    }
}
