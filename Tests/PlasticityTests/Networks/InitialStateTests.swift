import XCTest
@testable import Plasticity
@testable import PlasticityModels
@testable import PlasticityTraining

/// The ICLR 2024 recipe's random initial state h_0 = scale·U(0, 1) (`ModelSpec.initialStateScale`):
/// the forward passes start from it, the exact gradients stay exact, the trainer draws it from its
/// own streams, and specs without it are unchanged.
final class InitialStateTests: XCTestCase {
    func batchWithInitialState(_ task: any Task, hidden: Int, seed: UInt64) -> Batch {
        var batch = task.batch(size: 3, using: RandomSource(seed: seed, stream: "data"))
        InitialStateSampler(scale: 0.1, hidden: hidden, rng: RandomSource(seed: seed, stream: "h0")).attach(to: &batch)
        return batch
    }

    func direction(_ id: String, model: any RecurrentModel, task: any Task, batch: Batch) throws -> [Double] {
        let rule = try RuleRegistry.standard.make(
            id, settings: [:], model: model, objective: Objective(lossKind: task.lossKind), batchSize: batch.size, maxSteps: batch.steps)
        var d = [Double]()
        _ = rule.direction(model: model, batch: batch, noise: RandomSource(seed: 1, stream: "noise"), into: &d)
        return d
    }

    /// Loss of `model` with `parameters`, run from the batch's initial state.
    func loss(_ model: any RecurrentModel, _ parameters: [Double], _ batch: Batch, _ kind: LossKind) -> Double {
        var m = model
        m.parameters = parameters
        var tr = m.makeTrajectory(capacity: batch.steps, batch: batch.size)
        m.forward(batch.inputs, noise: ForwardNoise(initialState: batch.initialState), into: &tr)
        return Loss.evaluate(kind, outputs: tr.outputs, batch: batch)
    }

    func model(_ kind: ModelKind, task: any Task, seed: UInt64) -> any RecurrentModel {
        if kind == .leaky { return LocalModels.make(.leaky, task: task, seed: seed) }
        var spec = ModelSpec()
        spec.kind = kind
        spec.hidden = 5
        return spec.makeModel(inputSize: task.inputSize, outputSize: task.outputSize, rng: RandomSource(seed: seed, stream: "init"))
    }

    /// BPTT from a random h_0 against central finite differences of the loss from the same h_0, every
    /// group of the leaky RNN, GRU and LSTM; RTRL equals BPTT there too (the local models and GRU).
    func testExactGradientsFromARandomInitialState() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 12])
        for (s, kind) in [ModelKind.leaky, .gru, .lstm].enumerated() {
            let seed = UInt64(40 + s)
            let m = model(kind, task: task, seed: seed)
            let batch = batchWithInitialState(task, hidden: m.hiddenSize, seed: seed)
            let exact = try direction("bptt", model: m, task: task, batch: batch)
            let errors = GradientCheck.relativeErrors(layout: m.layout, parameters: m.parameters, analytic: exact, frozen: m.frozenIndices) {
                self.loss(m, $0, batch, task.lossKind)
            }
            GradientCheck.assertAgrees(errors, analytic: exact)
            // The initial state matters: the gradient from h_0 = 0 differs.
            var zero = batch
            zero.initialState = nil
            XCTAssertNotEqual(try direction("bptt", model: m, task: task, batch: zero), exact, "\(kind)")
            if kind != .lstm {
                let online = try direction("rtrl", model: m, task: task, batch: batch)
                for g in m.layout.groups { XCTAssertLessThan(relativeError(exact, online, in: g.range), 1e-8, "\(kind) group \(g.name)") }
            }
        }
    }

    func testForwardStartsFromTheInitialStateAndZeroWithout() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 5])
        for kind in [ModelKind.leaky, .gru, .lstm] {
            let m = model(kind, task: task, seed: 3)
            let batch = batchWithInitialState(task, hidden: m.hiddenSize, seed: 3)
            let h0 = try XCTUnwrap(batch.initialState)
            XCTAssertEqual(h0.count, 3 * m.hiddenSize)
            XCTAssertTrue(h0.allSatisfy { $0 >= 0 && $0 < 0.1 })
            var tr = m.makeTrajectory(capacity: batch.steps, batch: batch.size)
            m.forward(batch.inputs, noise: ForwardNoise(initialState: h0), into: &tr)
            XCTAssertEqual(Array(tr.states.data[0..<h0.count]), h0, "\(kind)")
            let fromRandom = tr.outputs.data
            // The same trajectory buffer reused without an initial state starts from zeros again.
            m.forward(batch.inputs, into: &tr)
            XCTAssertTrue(tr.states.data[0..<h0.count].allSatisfy { $0 == 0 }, "\(kind)")
            XCTAssertNotEqual(tr.outputs.data, fromRandom, "\(kind)")
        }
    }

    /// Training with the option: the same seed gives identical runs, the data (validation inputs)
    /// are those of the run without it, and each validation trial carries its own h_0.
    func testTrainerDrawsInitialStatesFromTheirOwnStreams() throws {
        var spec = RunSpec(task: "flipflop3")
        spec.taskParameters = ["T": 20]
        spec.model.hidden = 8
        spec.model.activation = .tanh
        spec.training.maxTrials = 512
        spec.training.stopAtCriterion = false
        spec.seed = 5
        let plain = try spec.execute()
        spec.model.initialStateScale = 0.1
        let a = try spec.execute(), b = try spec.execute()
        XCTAssertEqual(a.model.parameters, b.model.parameters)
        XCTAssertEqual(a.result.curve.map(\.validationLoss), b.result.curve.map(\.validationLoss))
        XCTAssertNotEqual(a.model.parameters, plain.model.parameters)

        let streams = RunStreams(seed: 5, model: spec.model)
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 20])
        let withStates = ValidationSet(task: task, config: spec.training, rng: streams.validation, initialStates: streams.validationInitialStates)
        let without = ValidationSet(task: task, config: spec.training, rng: RunStreams(seed: 5).validation)
        XCTAssertEqual(withStates.batches.map(\.inputs), without.batches.map(\.inputs))
        XCTAssertTrue(without.batches.allSatisfy { $0.initialState == nil })
        let states = withStates.batches.compactMap(\.initialState)
        XCTAssertEqual(states.count, withStates.batches.count)
        XCTAssertNotEqual(states.first, states.last)
    }

    func testOptionIsCheckedAndSpecsWithoutItEncodeAsBefore() throws {
        var spec = ModelSpec()
        let json = String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
        XCTAssertFalse(json.contains("initialState"), "a spec without the option must hash into cell keys as before")
        spec.initialStateScale = 0.1
        XCTAssertNoThrow(try spec.validate())
        spec.initialStateScale = 0
        XCTAssertThrowsError(try spec.validate()) { XCTAssertTrue("\($0)".contains("initial-state-scale")) }
        spec.initialStateScale = 0.1
        spec.kind = .plrnn
        XCTAssertThrowsError(try spec.validate()) { XCTAssertTrue("\($0)".contains("not plrnn")) }
    }
}
