import Foundation

/// The validation loss of the best input-independent output: what a network that ignores its
/// inputs can reach at best, so the level a plateau sits at. The output may still depend on the
/// step t (a network can count steps without looking at its inputs):
/// - MSE: y_t = the mean target at step t over the masked trials (loss = the targets' per-step
///   variance, averaged as the loss averages); e.g. Var(x1 + x2) = 1/6 for delayed addition;
/// - cross-entropy: softmax(y_t) = the class frequencies at step t over the masked trials (loss =
///   the entropy of that class prior).
/// Means are weighted exactly as `Loss.evaluate` and `Evaluation.run` weight (trial-step pairs
/// within a batch, then batches equally), and the loss is evaluated by `Loss.evaluate` itself, so
/// it is the exact minimum over input-independent outputs of the very loss the curve reports.
public enum TrivialBaseline {
    public static func loss(_ kind: LossKind, batches: [Batch]) -> Double {
        guard let first = batches.first else { return .nan }
        let steps = batches.map(\.steps).max()!, width = first.targets.width
        var sum = [Double](repeating: 0, count: steps * width), weight = [Double](repeating: 0, count: steps)
        for batch in batches {
            let pairs = max(batch.maskedCount, 1)
            for t in 0..<batch.steps {
                for b in 0..<batch.size where batch.mask[t, b] != 0 {
                    let w = batch.mask[t, b] / pairs
                    weight[t] += w
                    for k in 0..<width { sum[t * width + k] += w * batch.targets[t, b, k] }
                }
            }
        }
        let mean = (0..<steps * width).map { weight[$0 / width] > 0 ? sum[$0] / weight[$0 / width] : 0 }
        var total = 0.0
        for batch in batches {
            var outputs = Tensor3(steps: batch.steps, batch: batch.size, width: width)
            for t in 0..<batch.steps {
                for k in 0..<width {
                    let m = mean[t * width + k]
                    // log(0) would make 0 · log p undefined for a class never seen at step t.
                    let y = kind == .mse ? m : log(max(m, 1e-300))
                    for b in 0..<batch.size { outputs[t, b, k] = y }
                }
            }
            total += Loss.evaluate(kind, outputs: outputs, batch: batch)
        }
        return total / Double(batches.count)
    }
}
