import Foundation

extension Loss {
    /// Each trial's share of the batch loss (they sum to `Loss.evaluate`): the per-trial scalar
    /// reward of the perturbation rules, so each trial's noise is judged by its own outcome.
    public static func perTrial(_ kind: LossKind, outputs: Tensor3, batch: Batch, into losses: inout [Double]) {
        if kind == .headwiseCrossEntropy {
            GroupedCrossEntropy.perTrial(outputs: outputs, batch: batch, into: &losses)
            return
        }
        let size = batch.size, width = outputs.width
        precondition(losses.count >= size)
        let pairs = max(batch.maskedCount, 1)
        for b in 0..<size { losses[b] = 0 }
        forEachRow(outputs: outputs, batch: batch, skippingUnmasked: true) { Y, T, m, base, b in
            switch kind {
            case .mse:
                var s = 0.0
                for k in 0..<width {
                    let d = Y[base + k] - T[base + k]
                    s += d * d
                }
                losses[b] += m * s / (pairs * Double(width))
            case .crossEntropy, .headwiseCrossEntropy:
                let logZ = logSumExp(Y, from: base, count: width)
                for k in 0..<width { losses[b] -= m * T[base + k] * (Y[base + k] - logZ) / pairs }
            }
        }
    }
}
