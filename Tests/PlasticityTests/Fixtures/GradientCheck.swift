import XCTest
@testable import Plasticity

/// Central finite differences in Double, compared group by group with an analytic gradient.
enum GradientCheck {
    /// Relative error per parameter group: ||g_fd - g|| / max(||g_fd||, ||g||, 1e-12).
    /// Indices in `frozen` are constants of the model: their analytic gradient must be exactly 0.
    static func relativeErrors(
        layout: ParameterLayout, parameters: [Double], analytic: [Double], frozen: [Int] = [],
        epsilon: Double = 1e-6, loss: ([Double]) -> Double
    ) -> [String: Double] {
        var errors: [String: Double] = [:]
        var p = parameters
        let frozenSet = Set(frozen)
        for group in layout.groups {
            var diff = 0.0, normFD = 0.0, normA = 0.0
            for i in group.range {
                if frozenSet.contains(i) {
                    diff += analytic[i] * analytic[i]
                    continue
                }
                let saved = p[i]
                p[i] = saved + epsilon
                let up = loss(p)
                p[i] = saved - epsilon
                let down = loss(p)
                p[i] = saved
                let fd = (up - down) / (2 * epsilon)
                diff += (fd - analytic[i]) * (fd - analytic[i])
                normFD += fd * fd
                normA += analytic[i] * analytic[i]
            }
            errors[group.name] = diff.squareRoot() / max(normFD.squareRoot(), normA.squareRoot(), 1e-12)
        }
        return errors
    }

    /// Asserts every group below `tolerance`, and that the check was not vacuous (some gradient non-zero).
    static func assertAgrees(
        _ errors: [String: Double], analytic: [Double], tolerance: Double = 1e-6,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertGreaterThan(analytic.map(abs).max() ?? 0, 1e-8, "gradient is zero everywhere", file: file, line: line)
        for (name, e) in errors.sorted(by: { $0.key < $1.key }) {
            XCTAssertLessThan(e, tolerance, "group \(name): relative error \(e)", file: file, line: line)
        }
    }

    /// Loss of `model` with `parameters` on `batch`.
    static func loss(_ model: any RecurrentModel, _ parameters: [Double], _ batch: Batch, _ kind: LossKind) -> Double {
        var m = model
        m.parameters = parameters
        var tr = m.makeTrajectory(capacity: batch.steps, batch: batch.size)
        m.forward(batch.inputs, into: &tr)
        return Loss.evaluate(kind, outputs: tr.outputs, batch: batch)
    }
}
