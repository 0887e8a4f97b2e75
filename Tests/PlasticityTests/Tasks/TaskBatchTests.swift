import XCTest
@testable import Plasticity

final class TaskBatchTests: XCTestCase {
    /// Every registered task, with its defaults: declared shapes, a non-empty 0/1 mask, and batches
    /// that depend only on the rng.
    func testEveryTaskHasDeclaredShapesAndIsAFunctionOfItsRNG() throws {
        for id in TaskRegistry.standard.ids {
            let task = try TaskRegistry.standard.make(id)
            for seed: UInt64 in 1...5 {
                let batch = task.batch(size: 6, using: RandomSource(seed: seed, stream: "data"))
                XCTAssertEqual(batch.size, 6, id)
                XCTAssertEqual(batch.inputs.width, task.inputSize, id)
                XCTAssertEqual(batch.targets.width, task.outputSize, id)
                XCTAssertTrue(batch.steps >= 1 && batch.steps <= task.maxSteps, "\(id): \(batch.steps) steps")
                XCTAssertTrue(batch.mask.data.allSatisfy { $0 == 0 || $0 == 1 }, id)
                for b in 0..<batch.size {
                    XCTAssertTrue((0..<batch.steps).contains { batch.mask[$0, b] == 1 }, "\(id): trial \(b) has an empty mask")
                }
                if task.lossKind == .crossEntropy {
                    // One-hot targets wherever the loss is taken.
                    for t in 0..<batch.steps { for b in 0..<batch.size where batch.mask[t, b] == 1 {
                        let row = (0..<task.outputSize).map { batch.targets[t, b, $0] }
                        XCTAssertEqual(row.reduce(0, +), 1, id)
                        XCTAssertTrue(row.allSatisfy { $0 == 0 || $0 == 1 }, id)
                    } }
                }
                let again = task.batch(size: 6, using: RandomSource(seed: seed, stream: "data"))
                XCTAssertEqual(batch, again, "\(id): same seed must give the same batch")
                let other = task.batch(size: 6, using: RandomSource(seed: seed + 100, stream: "data"))
                XCTAssertNotEqual(batch.inputs, other.inputs, "\(id): another seed should give other inputs")
            }
        }
    }

    /// Returns the only masked step of trial b (these tasks answer once, at the end).
    func onlyMaskedStep(_ batch: Batch, _ b: Int) -> Int {
        let steps = (0..<batch.steps).filter { batch.mask[$0, b] == 1 }
        XCTAssertEqual(steps, [batch.steps - 1])
        return batch.steps - 1
    }

    func testParityTargetIsParityOfTheLastNBitsAndLengthsCoverTheRange() throws {
        for n in [1, 3, 5] {
            let task = try TaskRegistry.standard.make("n-parity", parameters: ["N": Double(n)])
            let rng = RandomSource(seed: UInt64(n), stream: "data")
            var lengths = Set<Int>()
            var ones = 0.0, bits = 0.0
            for _ in 0..<200 {
                let batch = task.batch(size: 8, using: rng)
                lengths.insert(batch.steps)
                for b in 0..<batch.size {
                    let last = onlyMaskedStep(batch, b)
                    var sum = 0
                    for t in 0..<batch.steps {
                        let x = batch.inputs[t, b, 0]
                        XCTAssertTrue(x == 0 || x == 1)
                        ones += x
                        bits += 1
                        if t > last - n { sum += Int(x) }
                    }
                    XCTAssertEqual(batch.targets[last, b, sum % 2], 1)
                }
            }
            XCTAssertEqual(lengths, Set((n + 2)...(4 * n + 1)), "M ~ U{N+2, ..., 4N+1}")
            XCTAssertEqual(ones / bits, 0.5, accuracy: 0.05, "p ~ U(0,1) gives a mean bit rate of 1/2")
        }
    }

    func testDMSTargetComparesTheBitNMinusOneStepsBack() throws {
        let n = 4
        let task = try TaskRegistry.standard.make("n-dms", parameters: ["N": Double(n)])
        let rng = RandomSource(seed: 9, stream: "data")
        var matches = 0.0, total = 0.0
        for _ in 0..<100 {
            let batch = task.batch(size: 8, using: rng)
            XCTAssertTrue(((n + 2)...(4 * n + 1)).contains(batch.steps))
            for b in 0..<batch.size {
                let last = onlyMaskedStep(batch, b)
                let match = batch.inputs[batch.steps - n, b, 0] == batch.inputs[last, b, 0]
                XCTAssertEqual(batch.targets[last, b, match ? 1 : 0], 1)
                matches += match ? 1 : 0
                total += 1
            }
        }
        XCTAssertEqual(matches / total, 0.5, accuracy: 0.08)
        XCTAssertThrowsError(try TaskRegistry.standard.make("n-dms", parameters: ["N": 1])) {
            XCTAssertEqual("\($0)", "task n-dms: N: value 1 out of range; valid: 2...100")
        }
    }

    func testFlipFlopTargetHoldsTheSignOfTheLastPulse() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 40, "p": 0.1])
        let batch = task.batch(size: 10, using: RandomSource(seed: 5, stream: "data"))
        for b in 0..<batch.size { for k in 0..<3 {
            var held = 0.0
            for t in 0..<batch.steps {
                if batch.inputs[t, b, k] != 0 { held = batch.inputs[t, b, k] }
                XCTAssertEqual(batch.targets[t, b, k], held)
                XCTAssertEqual(batch.mask[t, b], 1)
            }
        } }
    }

    func testDelayedAdditionSumsTheTwoMarkedValuesOfTheFirstHalf() throws {
        let task = try TaskRegistry.standard.make("delayed-addition", parameters: ["T": 11])
        let batch = task.batch(size: 50, using: RandomSource(seed: 4, stream: "data"))
        XCTAssertEqual(batch.steps, 11)
        for b in 0..<batch.size {
            let last = onlyMaskedStep(batch, b)
            let marked = (0..<batch.steps).filter { batch.inputs[$0, b, 1] == 1 }
            XCTAssertEqual(marked.count, 2)
            XCTAssertTrue(marked.allSatisfy { $0 < 5 }, "markers in the first floor(T/2) steps")
            XCTAssertTrue((0..<batch.steps).allSatisfy { (0..<1).contains(batch.inputs[$0, b, 0]) })
            XCTAssertEqual(batch.targets[last, b, 0], marked.map { batch.inputs[$0, b, 0] }.reduce(0, +))
        }
        // Accuracy uses the tolerance: outputs 0.03 away count, 0.05 away do not.
        var outputs = batch.targets
        for b in 0..<batch.size { outputs[10, b, 0] += b % 2 == 0 ? 0.03 : -0.05 }
        let s = task.score(outputs: outputs, batch: batch)
        XCTAssertEqual(s.correct, 25)
        XCTAssertEqual(s.total, 50)
    }

    func testEvidenceTargetIsTheSignOfTheSummedEvidence() throws {
        let task = try TaskRegistry.standard.make("evidence-accumulation", parameters: ["T": 20, "mu0": 0.5, "sigma": 0.5])
        let batch = task.batch(size: 200, using: RandomSource(seed: 6, stream: "data"))
        var agreeWithMean = 0.0
        for b in 0..<batch.size {
            let last = onlyMaskedStep(batch, b)
            let sum = (0..<batch.steps).map { batch.inputs[$0, b, 0] }.reduce(0, +)
            XCTAssertEqual(batch.targets[last, b, sum >= 0 ? 1 : 0], 1)
            // mu = ±0.5: the mean of the samples sits near one of them (noise sd 0.5/sqrt(20) ≈ 0.11).
            if abs(abs(sum / 20) - 0.5) < 0.45 { agreeWithMean += 1 }
        }
        XCTAssertEqual(agreeWithMean, 200)
    }
}
