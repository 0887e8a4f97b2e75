import XCTest
@testable import Plasticity

final class TaskLearningTests: XCTestCase {
    /// BPTT (Adam 3e-3, clip 2, batch 32, N = 64: the CLI defaults) learns 3-DMS with both models
    /// on three seeds. Measured (eval every 256 trials): leaky 1792, 2048, 1792 trials; PLRNN 5120,
    /// 5632, 5888 (docs/models-and-tasks.md). Budgets leave about 3x room for platform variation.
    func testBPTTLearnsThreeDMSWithLeakyRNNAndPLRNN() throws {
        for (kind, budget) in [(ModelKind.leaky, 6_144), (.plrnn, 16_384)] {
            for seed: UInt64 in 1...3 {
                var spec = RunSpec(task: "n-dms")
                spec.taskParameters = ["N": 3]
                spec.model.kind = kind
                spec.training.optimizer.learningRate = 3e-3
                spec.training.optimizer.clipNorm = 2
                spec.training.evalEvery = 256
                spec.training.maxTrials = budget
                spec.seed = seed
                let outcome = try spec.execute()
                XCTAssertEqual(outcome.result.status, .reached, "\(kind.rawValue), seed \(seed)")
                XCTAssertGreaterThanOrEqual(outcome.result.final.accuracy, 0.95, "\(kind.rawValue), seed \(seed)")
            }
        }
    }
}
