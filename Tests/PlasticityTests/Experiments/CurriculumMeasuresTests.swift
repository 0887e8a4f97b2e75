import XCTest
@testable import Plasticity
@testable import PlasticityProtocols
@testable import PlasticityTraining

/// Issue 11 items 3, 5 and 6: the network measured at every stage of a curriculum (tau, tau_net,
/// dimension), stored, merged and exported; robustness analyses of curriculum-trained networks.
final class CurriculumMeasuresTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("curriculum-measures-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// N-DMS from N = 2, a 16-neuron tanh leaky RNN, BPTT with Adam (passes a few stages in seconds).
    func tiny(_ kind: CurriculumKind, maxN: Int = 4, budget: Int = 16_000) -> CurriculumRun {
        var spec = RunSpec(task: "n-dms")
        spec.model.hidden = 16
        spec.model.activation = .tanh
        spec.training.batchSize = 32
        spec.training.maxTrials = budget
        spec.optimizerOverrides = OptimizerSettings(kind: .adam, learningRate: 0.01, clipNorm: 2)
        spec.seed = 1
        var c = CurriculumConfig(kind: kind)
        c.maxN = maxN
        c.threshold = 0.9
        c.checkEvery = 256
        c.testSize = 256
        c.beyond = 1
        c.timescaleSteps = 4_000
        c.timescaleTrials = 3
        return CurriculumRun(spec: spec, curriculum: c)
    }

    func testEveryStageIsMeasuredInOrderOnARealRun() throws {
        let run = tiny(.multiHead)
        let outcome = try run.execute(observe: StreamMeasurement.curriculumObserver(run.curriculum, seed: run.spec.seed))
        let r = outcome.result
        XCTAssertNotEqual(r.status, .diverged)
        XCTAssertGreaterThanOrEqual(r.largestN ?? 0, 3, "a head joined at least once: \(r.stages)")
        let m = try XCTUnwrap(r.measures)
        // One per stage, in order: each passed stage when it passed, the unfinished one at the end.
        XCTAssertEqual(m.map(\.position), Array(r.stages.indices))
        XCTAssertEqual(m.map(\.largestN), r.stages.map(\.largestN))
        XCTAssertEqual(m.map(\.passed), r.stages.map(\.passed))
        XCTAssertEqual(m.map(\.trials), m.map(\.trials).sorted())
        XCTAssertEqual(m.last!.trials, r.trialsTrained)
        for s in m {
            XCTAssertEqual(s.tauNet.count, 16)
            XCTAssertEqual(s.fits.count, 16)
            XCTAssertGreaterThan(s.tauNetQuartiles.median, 0, "tau_net at N = \(s.largestN)")
            XCTAssertLessThan(s.failedFits, 16)
            XCTAssertGreaterThanOrEqual(s.dimension, 1)
            XCTAssertGreaterThanOrEqual(s.participationRatio, 1)
            XCTAssertEqual(s.tau?.count, 16)
            XCTAssertTrue(s.tau!.allSatisfy { $0 >= 1 })
        }
        // The network changes between stages, and so does what the stream sees.
        XCTAssertNotEqual(m.first!.tauNet, m.last!.tauNet)
        // The last stage's measure is the instrument on the final network, with the same stream.
        let direct = try StreamMeasurement.measure(outcome.model, options: StreamMeasurement.options(for: run.curriculum), seed: 1)
        XCTAssertEqual(m.last!.tauNet.map(\.description), direct.tauNet.map(\.description))
        XCTAssertEqual(m.last!.participationRatio, direct.medianParticipationRatio)
    }

    func testMeasuringOffRecordsNothingAndBadValuesNameTheKey() throws {
        var run = tiny(.singleHead, budget: 512)
        run.curriculum.timescaleSteps = 0
        XCTAssertNil(StreamMeasurement.curriculumObserver(run.curriculum, seed: 1))
        XCTAssertNil(try run.execute(observe: StreamMeasurement.curriculumObserver(run.curriculum, seed: 1)).result.measures)
        run.curriculum.timescaleTrials = -1
        XCTAssertThrowsError(try run.validate()) { XCTAssertTrue("\($0)".contains("--timescale-trials"), "\($0)") }
        // Specs stored before the keys existed decode with the defaults.
        let old = #"{"kind":"sliding","firstN":2,"maxN":9,"window":3,"step":1,"threshold":0.9,"checkEvery":64,"testSize":32,"beyond":1}"#
        let decoded = try JSONDecoder().decode(CurriculumConfig.self, from: Data(old.utf8))
        XCTAssertEqual(decoded.maxN, 9)
        XCTAssertEqual(decoded.timescaleSteps, CurriculumConfig().timescaleSteps)
    }

    func testAblatingANeuronZeroesItsColumnInEveryHead() {
        var spec = ModelSpec()
        spec.hidden = 8
        for kind in [ModelKind.leaky, .gru, .lstm] {
            spec.kind = kind
            var model = spec.makeModel(inputSize: 1, outputSize: GroupedLayout.width * 5, rng: RandomSource(seed: 3, stream: "init"))
            NeuronSilencing.silence([3], in: &model)
            let v = model.layout["V"]
            XCTAssertEqual(v.rows, 10, "\(kind): 5 heads of 2 outputs")
            for head in 0..<5 {
                for o in 0..<2 { XCTAssertEqual(model.parameters[v.offset + (2 * head + o) * v.cols + 3], 0, "\(kind) head \(head)") }
            }
            XCTAssertNotEqual(model.parameters[v.offset + 9 * v.cols + 2], 0, "other neurons keep their columns")
        }
    }

    /// The network saved at the last pass answers its last passed N (what the robustness analyses
    /// score by default); the single-head network training left behind has moved on to N + 1 and
    /// answers it worse (the first shipped runs scored that one: undamaged accuracy 0.50–0.60).
    func testLastPassNetworkIsKeptAndStillAnswersItsN() throws {
        var spec = RunSpec(task: "n-dms")
        spec.model.hidden = 16
        spec.model.activation = .tanh
        spec.training.batchSize = 32
        spec.training.maxTrials = 12_000
        spec.optimizerOverrides = OptimizerSettings(kind: .adam, learningRate: 0.01, clipNorm: 2)
        spec.seed = 1
        var c = CurriculumConfig(kind: .singleHead)
        c.maxN = 12
        c.threshold = 0.9
        c.checkEvery = 256
        c.beyond = 1
        c.timescaleSteps = 0
        XCTAssertEqual(c.robustnessNetwork, .lastPass)
        let outcome = try CurriculumRun(spec: spec, curriculum: c).execute()
        let r = outcome.result
        let largest = try XCTUnwrap(r.largestN)
        XCTAssertFalse(r.stages.last!.passed, "the run must end inside an unfinished stage for the contrast")
        let saved = try XCTUnwrap(outcome.lastPassModel)
        XCTAssertNotEqual(saved.parameters, outcome.model.parameters)
        let task = ExperimentCell.robustnessTask(r, family: .dms, curriculum: c)
        XCTAssertEqual(task.memories, [largest])
        func accuracy(_ model: any RecurrentModel) -> Double {
            Evaluation.run(model: model, task: task, batches: [task.batch(size: 512, using: RandomSource(seed: 3, stream: "eval"))]).accuracy
        }
        XCTAssertGreaterThan(accuracy(saved), 0.8)
        XCTAssertLessThan(accuracy(outcome.model), accuracy(saved))
    }

    func testRobustnessIsScoredOnTheLargestPassedNHead() {
        var result = CurriculumResult(
            kind: .multiHead, status: .budget, largestN: 4, trialsTrained: 10, divergedAtTrial: nil,
            stages: [
                CurriculumStage(lowestN: 2, largestN: 2, trials: 2, passed: true), CurriculumStage(lowestN: 2, largestN: 3, trials: 3, passed: true),
                CurriculumStage(lowestN: 2, largestN: 4, trials: 3, passed: true), CurriculumStage(lowestN: 2, largestN: 5, trials: 2, passed: false),
            ],
            checks: [], retention: [], generalisation: [], wallSeconds: 0)
        var c = CurriculumConfig(kind: .multiHead)
        c.maxN = 8
        let task = ExperimentCell.robustnessTask(result, family: .parity, curriculum: c)
        XCTAssertEqual(task.memories, [2, 3, 4])
        XCTAssertEqual(task.heads, 7)
        XCTAssertTrue(task.scoresLargestNOnly)
        // Scores only the last active head: outputs right for head 2 (N = 4) and wrong for the others.
        let batch = task.batch(size: 8, using: RandomSource(seed: 1, stream: "t"))
        var outputs = Tensor3(steps: batch.steps, batch: 8, width: task.outputSize)
        for b in 0..<8 {
            for head in 0..<3 {
                let t = batch.steps - 1, o = 2 * head
                let right = batch.targets[t, b, o + 1] > batch.targets[t, b, o] ? 1 : 0
                outputs[t, b, o + (head == 2 ? right : 1 - right)] = 1
            }
        }
        XCTAssertEqual(task.score(outputs: outputs, batch: batch).correct, 8)
        XCTAssertEqual(task.score(outputs: outputs, batch: batch).total, 8)
        result.stages = [CurriculumStage(lowestN: 2, largestN: 2, trials: 2, passed: false)]
        XCTAssertEqual(ExperimentCell.robustnessTask(result, family: .parity, curriculum: c).memories, [2])
    }

    func testProtocolStoresMeasuresAndRobustnessThenMergesAndExports() throws {
        let text = """
            name = "cm"
            rules = ["bptt"]
            tasks = ["n-dms"]
            seeds = 1
            [model]
            hidden = 8
            activation = "tanh"
            [training]
            batch = 32
            max-trials = 3072
            [curriculum]
            kind = "multi-head"
            max-N = 4
            threshold = 0.6
            check-every = 256
            test-size = 64
            timescale-steps = 2000
            timescale-trials = 2
            [ablation]
            fractions = [0, 0.5]
            draws = 1
            trials = 64
            [perturbation]
            weights = [0, 0.5]
            state = []
            tau = []
            draws = 1
            trials = 64
            """
        let experiment = try ProtocolParser.parse(text, file: "cm.toml", defaultName: "cm")
        XCTAssertEqual(experiment.cells.first?.spec.curriculum?.timescaleSteps, 2000)
        let db = directory.appendingPathComponent("a.sqlite").path
        let store = try ResultsStore(path: db)
        XCTAssertEqual(try ProtocolRunner.run(experiment, store: store, workers: 1).completed, 1)
        let result = try XCTUnwrap(try store.curricula().values.first)
        let measures = try XCTUnwrap(result.measures)
        XCTAssertFalse(measures.isEmpty)
        // The table holds a row per measured stage with its numbers and the per-neuron arrays.
        let rows = try store.query("SELECT largest_n, passed, tau_net_median, failed_fits, dimension, participation_ratio, tau_net_json, tau_median FROM curriculum_measures ORDER BY position").rows
        XCTAssertEqual(rows.count, measures.count)
        for (row, m) in zip(rows, measures) {
            XCTAssertEqual(Int(row[0]!), m.largestN)
            XCTAssertEqual(row[1], m.passed ? "1" : "0")
            XCTAssertEqual(Double(row[2]!)!, m.tauNetQuartiles.median, accuracy: 1e-12)
            XCTAssertEqual(Int(row[3]!), m.failedFits)
            XCTAssertEqual(Double(row[4]!)!, m.dimension, accuracy: 1e-12)
            XCTAssertEqual(Double(row[5]!)!, m.participationRatio, accuracy: 1e-12)
            XCTAssertEqual(try JSONDecoder().decode([Double].self, from: Data(row[6]!.utf8)).count, 8)
            XCTAssertNotNil(row[7])
        }
        // Robustness of the curriculum-trained network: both analyses' curves.
        let analyses = Set(try store.query("SELECT DISTINCT analysis FROM analysis_points").rows.compactMap { $0[0] })
        XCTAssertTrue(analyses.contains("ablation-random"), "\(analyses)")
        XCTAssertTrue(analyses.contains { $0.hasPrefix("perturb-") }, "\(analyses)")

        let merged = directory.appendingPathComponent("merged.sqlite").path
        _ = try ResultsMerge.merge([db], into: merged)
        let copy = try ResultsStore(path: merged)
        XCTAssertEqual(try copy.query("SELECT COUNT(*) FROM curriculum_measures").rows[0][0], String(measures.count))
        XCTAssertEqual(try copy.curricula().values.first?.measures, measures)

        let files = try CSVExport.write(store: store, to: directory.appendingPathComponent("csv").path).map { ($0 as NSString).lastPathComponent }
        for name in ["curricula.csv", "curriculum_stages.csv", "curriculum_stream.csv", "curriculum_measures.csv"] { XCTAssertTrue(files.contains(name), name) }
        let csv = try String(contentsOfFile: directory.appendingPathComponent("csv/curriculum_measures.csv").path, encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, measures.count + 1)
        XCTAssertTrue(csv.hasPrefix("run_id,position,lowest_n,largest_n,trials,passed,tau_median"))

        try Report.write(store: store, to: directory.appendingPathComponent("report").path)
        let markdown = try String(contentsOfFile: directory.appendingPathComponent("report/summary.md").path, encoding: .utf8)
        if measures.contains(where: \.passed) { XCTAssertTrue(markdown.contains(CurriculumReport.timescalesTitle)) }
    }

    func testGeometryOnCurriculumCellsIsAnInputError() {
        let text = """
            name = "c"
            rules = ["bptt"]
            tasks = ["n-parity"]
            [curriculum]
            kind = "single-head"
            [geometry]
            """
        XCTAssertThrowsError(try ProtocolParser.parse(text, file: "c.toml", defaultName: "c")) { XCTAssertTrue("\($0)".contains("geometry"), "\($0)") }
    }
}
