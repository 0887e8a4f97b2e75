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
        let steps = batch.steps, size = batch.size, width = outputs.width
        let pairs = max(batch.maskedCount, 1)
        var total = 0.0
        outputs.data.withUnsafeBufferPointer { Y in
            batch.targets.data.withUnsafeBufferPointer { T in
                for t in 0..<steps {
                    for b in 0..<size {
                        let m = batch.mask.data[t * size + b]
                        let base = (t * size + b) * width
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
                }
            }
        }
        return total
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
