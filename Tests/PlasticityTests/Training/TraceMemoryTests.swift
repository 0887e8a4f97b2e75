import XCTest
@testable import Plasticity

/// RunMemory's e-prop and RFLO term against what `EligibilityTraces` actually allocates (issue 16: the
/// estimate assumed B·(N² + N·I + 2N) per-synapse traces, which the local models no longer keep).
final class TraceMemoryTests: XCTestCase {
    func testTraceRuleEstimateIsWhatTheRuleAllocates() throws {
        for kind in ModelKind.allCases {
            for rule in ["eprop", "rflo"] where rule == "eprop" || ModelKind.local.contains(kind) {
                var spec = RunSpec(task: "flipflop3")
                spec.rule = rule
                spec.model.kind = kind
                spec.model.hidden = 5
                spec.training.batchSize = 3
                let task = try TaskRegistry.standard.make(spec.task, parameters: spec.taskParameters)
                let withRule = RunMemory(spec: spec, rule: try spec.ruleConfiguration())
                let withoutRule = RunMemory(spec: spec, rule: nil)
                let model = spec.model.makeModel(inputSize: task.inputSize, outputSize: task.outputSize, rng: RandomSource(seed: 0, stream: "x"))
                let traces = EligibilityTraces(
                    model: model, objective: Objective(lossKind: task.lossKind), batchSize: 3, maxSteps: task.maxSteps,
                    trainsDiagonal: rule == "eprop")
                XCTAssertGreaterThan(traces.workspaceDoubles, 0)
                XCTAssertEqual(withRule.bytes - withoutRule.bytes, 8 * Double(traces.workspaceDoubles), "\(rule) on \(kind)")
            }
        }
    }
}
