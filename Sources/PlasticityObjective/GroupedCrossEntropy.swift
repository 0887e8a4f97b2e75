import Foundation

/// The loss of several 2-class readout heads side by side (`LossKind.headwiseCrossEntropy`), as
/// the ICLR 2024 code sums `CrossEntropyLoss` over its heads: outputs in groups of `width` (2), one
/// softmax per group, and
///
///   L = (1 / P) · sum over masked (t, b) of sum over active groups g of -sum_k y*_gk log softmax_g(y)_k
///
/// with P the number of masked (t, b) pairs, so L is the sum over heads of each head's mean loss.
/// A group is active at (t, b) when its target is not all zero: an inactive head (a head the
/// curriculum has not reached, or one it dropped) contributes neither loss nor gradient, so every
/// rule trains a multi-head network through the ordinary loss seam, unchanged.
public enum GroupedCrossEntropy {
    /// Outputs per head.
    public static let width = GroupedLayout.width

    /// Returns L; writes dL/dy (same shape as the outputs) when `gradient` is given.
    @discardableResult
    public static func evaluate(outputs: Tensor3, batch: Batch, gradient: UnsafeMutablePointer<Double>? = nil) -> Double {
        let total = outputs.width
        precondition(total % width == 0, "headwise cross-entropy needs outputs in groups of \(width)")
        let pairs = max(batch.maskedCount, 1)
        var loss = 0.0
        Loss.forEachRow(outputs: outputs, batch: batch, skippingUnmasked: false) { Y, T, m, row, _ in
            for group in stride(from: row, to: row + total, by: width) {
                var targetSum = 0.0
                for k in 0..<width { targetSum += T[group + k] }
                guard m != 0, targetSum != 0 else {
                    if let gradient { for k in 0..<width { gradient[group + k] = 0 } }
                    continue
                }
                let logZ = logSumExp(Y, group)
                for k in 0..<width {
                    let logP = Y[group + k] - logZ
                    loss -= m * T[group + k] * logP / pairs
                    gradient?[group + k] = m * (exp(logP) * targetSum - T[group + k]) / pairs
                }
            }
        }
        return loss
    }

    /// Each trial's share of L (they sum to `evaluate`): the per-trial reward of the perturbation rules.
    public static func perTrial(outputs: Tensor3, batch: Batch, into losses: inout [Double]) {
        let size = batch.size, total = outputs.width
        precondition(losses.count >= size && total % width == 0)
        let pairs = max(batch.maskedCount, 1)
        for b in 0..<size { losses[b] = 0 }
        Loss.forEachRow(outputs: outputs, batch: batch, skippingUnmasked: true) { Y, T, m, row, b in
            for group in stride(from: row, to: row + total, by: width) {
                let logZ = logSumExp(Y, group)
                for k in 0..<width where T[group + k] != 0 {
                    losses[b] -= m * T[group + k] * (Y[group + k] - logZ) / pairs
                }
            }
        }
    }

    /// log sum_k exp(y_k) over one group (Loss.logSumExp, shifted by its maximum).
    static func logSumExp(_ Y: UnsafeBufferPointer<Double>, _ group: Int) -> Double {
        Loss.logSumExp(Y, from: group, count: width)
    }
}
