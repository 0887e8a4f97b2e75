import XCTest
@testable import Plasticity

final class MultiHeadMemoryTaskTests: XCTestCase {
    func testOneHeadGivesTheSingleTasksBatchesBitForBit() throws {
        for (family, id) in [(MemoryTaskFamily.parity, "n-parity"), (.dms, "n-dms")] {
            let single = try TaskRegistry.standard.make(id, parameters: ["N": 4])
            let heads = MultiHeadMemoryTask(family: family, memories: 4...4, heads: 1)
            XCTAssertEqual(
                heads.batch(size: 7, using: RandomSource(seed: 3, stream: "d")),
                single.batch(size: 7, using: RandomSource(seed: 3, stream: "d")), id)
        }
    }

    func testEveryHeadAnswersItsNFromTheSameStreamAndInactiveHeadsHaveNoTarget() {
        let task = MultiHeadMemoryTask(family: .parity, memories: 2...4, heads: 5)
        let batch = task.batch(size: 16, using: RandomSource(seed: 1, stream: "d"))
        XCTAssertEqual(task.outputSize, 10)
        let last = batch.steps - 1
        XCTAssertGreaterThanOrEqual(batch.steps, 6)
        XCTAssertLessThanOrEqual(batch.steps, 17)
        for b in 0..<16 {
            for (head, n) in [2, 3, 4].enumerated() {
                var ones = 0
                for t in (batch.steps - n)..<batch.steps where batch.inputs[t, b, 0] == 1 { ones += 1 }
                XCTAssertEqual(batch.targets[last, b, 2 * head + ones % 2], 1)
                XCTAssertEqual(batch.targets[last, b, 2 * head + 1 - ones % 2], 0)
            }
            for k in 6..<10 { XCTAssertEqual(batch.targets[last, b, k], 0, "inactive heads have zero targets") }
        }
    }

    /// The headwise loss's derivative w.r.t. the outputs and, through BPTT, w.r.t. every parameter
    /// group of every model, against central finite differences; inactive heads get exactly zero.
    func testHeadwiseCrossEntropyGradientMatchesFiniteDifferencesForEveryModel() {
        let task = MultiHeadMemoryTask(family: .dms, memories: 2...4, heads: 5)
        let batch = task.batch(size: 3, using: RandomSource(seed: 9, stream: "d"))
        var outputs = Tensor3(steps: batch.steps, batch: 3, width: 10)
        let rng = RandomSource(seed: 9, stream: "y")
        for i in outputs.data.indices { outputs.data[i] = rng.gaussian() }
        var dY = [Double](repeating: 0, count: outputs.data.count)
        Loss.evaluate(.headwiseCrossEntropy, outputs: outputs, batch: batch, gradient: &dY)
        var worst = 0.0
        for i in outputs.data.indices {
            var up = outputs, down = outputs
            up.data[i] += 1e-6
            down.data[i] -= 1e-6
            let fd = (Loss.evaluate(.headwiseCrossEntropy, outputs: up, batch: batch) - Loss.evaluate(.headwiseCrossEntropy, outputs: down, batch: batch)) / 2e-6
            worst = max(worst, abs(fd - dY[i]) / max(abs(fd), abs(dY[i]), 1e-3))
            if i % 10 >= 6 { XCTAssertEqual(dY[i], 0) }
        }
        XCTAssertLessThan(worst, 1e-6)
        // Per-trial shares sum to the loss (the perturbation rules' reward).
        var shares = [Double](repeating: 0, count: 3)
        Loss.perTrial(.headwiseCrossEntropy, outputs: outputs, batch: batch, into: &shares)
        XCTAssertEqual(shares.reduce(0, +), Loss.evaluate(.headwiseCrossEntropy, outputs: outputs, batch: batch), accuracy: 1e-12)

        for kind in ModelKind.allCases {
            var spec = ModelSpec()
            spec.kind = kind
            spec.hidden = 6
            spec.activation = .tanh
            spec.tauMin = 1.5
            spec.tauMax = 3
            let model = spec.makeModel(inputSize: 1, outputSize: 10, rng: RandomSource(seed: 4, stream: "init"))
            var tr = model.makeTrajectory(capacity: batch.steps, batch: 3)
            var out = Tensor3(steps: batch.steps, batch: 3, width: 10)
            var grad = [Double]()
            _ = GradientEngine.gradient(
                model: model, batch: batch, objective: Objective(lossKind: .headwiseCrossEntropy), truncation: nil,
                trajectory: &tr, outputGradient: &out, into: &grad)
            let errors = GradientCheck.relativeErrors(layout: model.layout, parameters: model.parameters, analytic: grad, frozen: model.frozenIndices) {
                GradientCheck.loss(model, $0, batch, .headwiseCrossEntropy)
            }
            GradientCheck.assertAgrees(errors, analytic: grad)
        }
    }

    func testHeadScoresCountEachActiveHead() {
        let task = MultiHeadMemoryTask(family: .parity, memories: 2...3, heads: 4)
        let batch = task.batch(size: 5, using: RandomSource(seed: 2, stream: "d"))
        // Outputs equal to the targets: every head right; then head 1 inverted: head 1 always wrong.
        var outputs = batch.targets
        XCTAssertEqual(task.headScores(outputs: outputs, batch: batch).map(\.correct), [5, 5])
        let last = batch.steps - 1
        for b in 0..<5 { (outputs[last, b, 2], outputs[last, b, 3]) = (outputs[last, b, 3], outputs[last, b, 2]) }
        XCTAssertEqual(task.headScores(outputs: outputs, batch: batch).map(\.correct), [5, 0])
        XCTAssertEqual(task.score(outputs: outputs, batch: batch).total, 10)
    }
}
