import Foundation

/// The task loss and its derivative w.r.t. the outputs.
public enum Loss {
    /// Returns the loss; writes dL/dy into `gradient` (same shape as the outputs) when given.
    @discardableResult
    public static func evaluate(
        _ kind: LossKind, outputs: Tensor3, batch: Batch, gradient: UnsafeMutablePointer<Double>? = nil
    ) -> Double {
        if kind == .headwiseCrossEntropy {
            return GroupedCrossEntropy.evaluate(outputs: outputs, batch: batch, gradient: gradient)
        }
        let width = outputs.width
        let pairs = max(batch.maskedCount, 1)
        var total = 0.0
        forEachRow(outputs: outputs, batch: batch, skippingUnmasked: false) { Y, T, m, base, _ in
            switch kind {
            case .mse:
                let scale = 1 / (pairs * Double(width))
                for k in 0..<width {
                    let diff = Y[base + k] - T[base + k]
                    total += m * diff * diff * scale
                    gradient?[base + k] = 2 * m * diff * scale
                }
            case .crossEntropy, .headwiseCrossEntropy:
                let logZ = logSumExp(Y, from: base, count: width)
                for k in 0..<width {
                    let logP = Y[base + k] - logZ
                    if m != 0 { total -= m * T[base + k] * logP / pairs }
                    gradient?[base + k] = m * (exp(logP) - T[base + k]) / pairs
                }
            }
        }
        return total
    }

    /// Calls `body(Y, T, m, base, b)` for every (t, b) row of `outputs` in time-major order, with the
    /// outputs and targets, the row's mask m and the row's first index; rows with m = 0 are skipped
    /// when `skippingUnmasked` (a loss that must still write their zero gradient keeps them).
    @inlinable
    package static func forEachRow(
        outputs: Tensor3, batch: Batch, skippingUnmasked: Bool,
        _ body: (_ Y: UnsafeBufferPointer<Double>, _ T: UnsafeBufferPointer<Double>, _ m: Double, _ base: Int, _ b: Int) -> Void
    ) {
        let size = batch.size, width = outputs.width
        outputs.data.withUnsafeBufferPointer { Y in
            batch.targets.data.withUnsafeBufferPointer { T in
                for t in 0..<batch.steps {
                    for b in 0..<size {
                        let m = batch.mask.data[t * size + b]
                        if skippingUnmasked && m == 0 { continue }
                        body(Y, T, m, (t * size + b) * width, b)
                    }
                }
            }
        }
    }

    /// log Σ_k exp(y_k) over one row of outputs (`count` values from `base`), shifted by their maximum so it cannot overflow.
    static func logSumExp(_ y: UnsafeBufferPointer<Double>, from base: Int, count: Int) -> Double {
        var maxY = -Double.infinity
        for k in 0..<count { maxY = max(maxY, y[base + k]) }
        var sum = 0.0
        for k in 0..<count { sum += exp(y[base + k] - maxY) }
        return maxY + log(sum)
    }
}
