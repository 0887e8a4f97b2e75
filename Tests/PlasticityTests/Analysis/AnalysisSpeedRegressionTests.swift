import XCTest
@testable import Plasticity
@testable import PlasticityAnalysis

/// The analyses' hot loops were rewritten for speed (issue 16: `StepMap`, the batched cycle-search
/// step, the ODE's vector field, docs/performance.md) without changing a single operation or its
/// order. These values were recorded by the code before that change (a run of this cell by main at
/// 6f7f2a4): geometry snapshots at every evaluation (fixed points, participation ratio, cycles),
/// the final picture's paths, and the integration curve (Euler and rk8pd). Counts, cycle periods
/// and accuracies must match exactly, real numbers to 1e-9 relative (bit-identical on the machine
/// that recorded them; the slack only allows another BLAS kernel's rounding).
final class AnalysisSpeedRegressionTests: XCTestCase {
    static let protocolText = """
        name = "pin"
        rules = ["bptt"]
        tasks = ["flipflop3"]
        seeds = 1
        [task-parameters.flipflop3]
        T = 20
        [model]
        hidden = 16
        activation = "tanh"
        gain = 2.0
        [training]
        batch = 16
        max-trials = 512
        eval-every = 128
        validation-size = 32
        stop-at-criterion = false
        [geometry]
        every = 1
        starts = 8
        probe-trials = 8
        paths = 2
        [integration]
        dt = [1, 0.5, 0]
        trials = 32
        """

    func testGeometryAndIntegrationMatchTheValuesBeforeTheFasterLoops() throws {
        let experiment = try ProtocolParser.parse(Self.protocolText, file: "pin.toml", defaultName: "pin")
        XCTAssertEqual(experiment.cells.count, 1)
        let result = try experiment.cells[0].run()
        let geometry = try XCTUnwrap(result.record.geometry)

        // (trials, stable, unstable, slow fixed points, participation ratio, dimension90, stable cycles, periods, aperiodic)
        let expected: [(Int, Int, Int, Int, Double, Int, Int, [Int], Int)] = [
            (0, 0, 1, 0, 2.695935772947931, 5, 1, [61], 0),
            (128, 0, 1, 0, 2.9055846711539077, 5, 0, [], 8),
            (256, 0, 1, 0, 3.042831812498148, 5, 1, [196], 0),
            (384, 0, 1, 0, 2.800493753169502, 4, 1, [56], 0),
            (512, 0, 1, 0, 3.048726099664357, 5, 0, [], 8),
        ]
        XCTAssertEqual(geometry.snapshots.count, expected.count)
        for (s, e) in zip(geometry.snapshots, expected) {
            XCTAssertEqual(s.trials, e.0)
            XCTAssertEqual([s.stableFixedPoints, s.unstableFixedPoints, s.slowPoints], [e.1, e.2, e.3], "trials \(e.0)")
            XCTAssertEqual(s.participationRatio, e.4, accuracy: 1e-9 * e.4, "trials \(e.0)")
            XCTAssertEqual(s.dimension90, e.5, "trials \(e.0)")
            XCTAssertEqual(s.cycles?.stable, e.6, "trials \(e.0)")
            XCTAssertEqual(s.cycles?.periods, e.7, "trials \(e.0)")
            XCTAssertEqual(s.cycles?.aperiodicTrajectories, e.8, "trials \(e.0)")
        }
        let point = try XCTUnwrap(geometry.finalPoints.first)
        XCTAssertEqual(geometry.finalPoints.count, 1)
        XCTAssertEqual(point.kind, .unstable)
        XCTAssertEqual(point.unstableDirections, 8)
        XCTAssertLessThan(point.speed, 1e-30)
        XCTAssertEqual(point.pc1, -0.45774029419486784, accuracy: 1e-9)
        XCTAssertEqual(point.pc2, -1.6247594259958014, accuracy: 1e-9)
        XCTAssertEqual(geometry.paths.count, 2)
        XCTAssertEqual(geometry.paths[0].pc1[20], 1.2924446724176748, accuracy: 1e-9)
        XCTAssertEqual(geometry.paths[1].pc1[20], 1.6893534950114926, accuracy: 1e-9)
        XCTAssertEqual(geometry.paths[1].pc2[20], 0.20826300942614018, accuracy: 1e-9)

        let integration = try XCTUnwrap(result.record.robustness.first { $0.kind == "integration" })
        XCTAssertEqual(integration.levels, [1, 0.5, 0])
        XCTAssertEqual(integration.accuracy, [0.7857142857142857, 0.8099078341013825, 0.8133640552995391])
    }

    /// Ablation evaluates each silenced set once and perturbation level 0 once; the curves must equal,
    /// exactly, those of the former loops (one evaluation per order, draw and level), written out here.
    /// The leaky RNN without its silenced neurons (`NeuronSilencing.compacted`, what ablation evaluates)
    /// gives the silenced network's outputs: every value equal (==), on every activation, for sets of
    /// every size, with and without self-connections; other models and trivial sets are not compacted.
    func testTheCompactedNetworkGivesTheSilencedNetworksOutputs() throws {
        let task = try TaskRegistry.standard.make("n-parity", parameters: ["N": 3])
        let rng = RandomSource(seed: 8, stream: "compact")
        let batch = task.batch(size: 16, using: rng.child("batch"))
        for activation in Activation.allCases {
            for selfConnections in [false, true] {
                var config = LeakyRNNConfig(inputSize: task.inputSize, hiddenSize: 17, outputSize: task.outputSize)
                config.activation = activation
                config.selfConnections = selfConnections
                config.gain = 2.5
                var model: any RecurrentModel = LeakyRNN(config: config, rng: rng.child("init-\(activation.rawValue)-\(selfConnections)"))
                // Non-zero biases and taus, so a wrongly gathered group shows.
                for i in model.layout["b"].range { model.parameters[i] = rng.uniform(-0.5, 0.5) }
                for i in model.layout["c"].range { model.parameters[i] = rng.uniform(-0.5, 0.5) }
                for silenced in [[0], [16], [3, 7, 11], Array(0..<16), rng.permutation(17).prefix(9).map { $0 }] {
                    var damaged = model
                    NeuronSilencing.silence(silenced, in: &damaged)
                    let small = try XCTUnwrap(NeuronSilencing.compacted(model, removing: silenced))
                    XCTAssertEqual(small.hiddenSize, 17 - Set(silenced).count)
                    var full = damaged.makeTrajectory(capacity: batch.steps, batch: batch.size)
                    var part = small.makeTrajectory(capacity: batch.steps, batch: batch.size)
                    damaged.forward(batch.inputs, into: &full)
                    small.forward(batch.inputs, into: &part)
                    let count = batch.steps * batch.size * task.outputSize
                    XCTAssertEqual(Array(full.outputs.data.prefix(count)), Array(part.outputs.data.prefix(count)),
                                   "\(activation) self-connections \(selfConnections) silenced \(silenced)")
                }
                XCTAssertNil(NeuronSilencing.compacted(model, removing: []))
                XCTAssertNil(NeuronSilencing.compacted(model, removing: Array(0..<17)))
            }
        }
        var spec = ModelSpec()
        spec.kind = .gru
        spec.hidden = 5
        let gru = spec.makeModel(inputSize: 2, outputSize: 1, rng: rng.child("gru"))
        XCTAssertNil(NeuronSilencing.compacted(gru, removing: [1]))
    }

    func testAblationAndPerturbationEqualTheFormerOneEvaluationPerDrawLoops() throws {
        var spec = RunSpec(task: "flipflop3")
        spec.taskParameters = ["T": 20]
        spec.model.hidden = 12
        spec.model.activation = .tanh
        spec.training.maxTrials = 256
        spec.training.evalEvery = 128
        let outcome = try spec.execute()
        let model = outcome.model, task = outcome.task, n = model.hiddenSize
        let rng = RandomSource(seed: 3, stream: "analysis")

        var ablation = Ablation()
        ablation.fractions = [0, 0.25, 0.5, 1]
        ablation.orders = [.random, .tau, .weight]
        ablation.draws = 3
        ablation.trials = 32
        let curves = ablation.run(model: model, task: task, rng: rng.child("ablation"))
        let evaluation = Trainer.validationSet(task: task, size: 32, batchSize: 32, rng: rng.child("ablation").child("evaluation"))
        var former: [RobustnessCurve] = []
        for order in ablation.orders {
            let stream = rng.child("ablation").child("ablation-\(order.rawValue)")
            let repeats = order == .random ? ablation.draws : 1
            var sums = [Double](repeating: 0, count: ablation.fractions.count)
            for _ in 0..<repeats {
                let ranking = try XCTUnwrap(Ablation.ranking(order, model: model, rng: stream))
                for (i, fraction) in ablation.fractions.enumerated() {
                    var damaged = model
                    NeuronSilencing.silence(Array(ranking.prefix(Int((fraction * Double(n)).rounded()))), in: &damaged)
                    sums[i] += Evaluation.run(model: damaged, task: task, batches: evaluation).accuracy
                }
            }
            former.append(RobustnessCurve(kind: "ablation-\(order.rawValue)", levels: ablation.fractions, accuracy: sums.map { $0 / Double(repeats) }))
        }
        XCTAssertEqual(curves, former)

        var perturbation = Perturbation()
        perturbation.weights = [0, 0.5, 2]
        perturbation.state = []
        perturbation.tau = [0, 1]
        perturbation.draws = 3
        perturbation.trials = 32
        let perturbed = perturbation.run(model: model, task: task, rng: rng.child("perturbation"))
        let set = Trainer.validationSet(task: task, size: 32, batchSize: 32, rng: rng.child("perturbation").child("evaluation"))
        var formerPerturbed: [RobustnessCurve] = []
        for kind in [PerturbationKind.weights, .tau] {
            let stream = rng.child("perturbation").child("perturb-\(kind.rawValue)")
            let levels = kind == .weights ? perturbation.weights : perturbation.tau
            let accuracy = levels.map { level -> Double in
                var sum = 0.0
                for _ in 0..<perturbation.draws {
                    var damaged = model
                    var p = damaged.parameters
                    for (i, scale) in Perturbation.targets(kind, model: model) {
                        let xi = stream.gaussian()
                        p[i] += kind == .weights ? level * scale * xi : level * abs(p[i]) * xi
                    }
                    damaged.parameters = p
                    sum += Evaluation.run(model: damaged, task: task, batches: set).accuracy
                }
                return sum / Double(perturbation.draws)
            }
            formerPerturbed.append(RobustnessCurve(kind: "perturb-\(kind.rawValue)", levels: levels, accuracy: accuracy))
        }
        XCTAssertEqual(perturbed, formerPerturbed)
    }
}
