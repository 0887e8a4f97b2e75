import XCTest
@testable import Plasticity

/// The trivial baseline: the loss of the best input-independent output on the validation data.
final class TrivialBaselineTests: XCTestCase {
    func baseline(_ task: String, _ parameters: [String: Double], trials: Int = 4096) throws -> Double {
        let t = try TaskRegistry.standard.make(task, parameters: parameters)
        let batches = Trainer.validationSet(task: t, size: trials, batchSize: 256, rng: RandomSource(seed: 1, stream: "validation"))
        return TrivialBaseline.loss(t.lossKind, batches: batches)
    }

    /// Delayed addition: Var(x1 + x2) = 2/12 = 1/6 for U(0, 1) values (sampling error of a variance
    /// from 4096 trials: about 0.004).
    func testDelayedAdditionBaselineIsOneSixth() throws {
        XCTAssertEqual(try baseline("delayed-addition", ["T": 50]), 1.0 / 6, accuracy: 0.012)
    }

    /// Flip-flop (T = 100, p = 0.05): the per-step mean target is 0, so the baseline is the share of
    /// (step, channel) pairs after a first pulse: 1 - (1/100) Σ_{t=1..100} 0.95^t = 0.811.
    func testFlipFlopBaselineIsTheShareOfHeldBits() throws {
        let expected = 1 - (1...100).map { pow(0.95, Double($0)) }.reduce(0, +) / 100
        XCTAssertEqual(expected, 0.811, accuracy: 0.001)
        XCTAssertEqual(try baseline("flipflop3", ["T": 100, "p": 0.05], trials: 1024), expected, accuracy: 0.015)
    }

    /// Cross-entropy: the entropy of the class prior; parity's two classes are balanced: ln 2.
    func testParityBaselineIsTheEntropyOfTheClassPrior() throws {
        XCTAssertEqual(try baseline("n-parity", [:]), log(2), accuracy: 0.01)
    }

    /// It is the minimum over input-independent outputs: shifting the per-step output raises the loss.
    func testNoOtherConstantOutputDoesBetter() throws {
        let task = try TaskRegistry.standard.make("delayed-addition", parameters: ["T": 10])
        let batches = Trainer.validationSet(task: task, size: 96, batchSize: 32, rng: RandomSource(seed: 2, stream: "v"))
        let best = TrivialBaseline.loss(.mse, batches: batches)
        var mean = 0.0, count = 0.0
        for batch in batches {
            for b in 0..<batch.size {
                mean += batch.targets[batch.steps - 1, b, 0]
                count += 1
            }
        }
        mean /= count
        for shift in [-0.01, 0, 0.01] {
            var loss = 0.0
            for batch in batches {
                let outputs = Tensor3(steps: batch.steps, batch: batch.size, width: 1, repeating: mean + shift)
                loss += Loss.evaluate(.mse, outputs: outputs, batch: batch) / Double(batches.count)
            }
            if shift == 0 { XCTAssertEqual(loss, best, accuracy: 1e-12) } else { XCTAssertGreaterThan(loss, best) }
        }
    }
}
