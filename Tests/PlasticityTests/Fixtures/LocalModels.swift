import XCTest
@testable import Plasticity

/// Small models of every kind the local rules support (`ModelKind.local`), for tests looped over models.
enum LocalModels {
    /// A small model of `kind` for `task` with non-zero biases (b and c, or h0 and c), so every group is
    /// exercised and no PLRNN state sits exactly on the ReLU kink. Built through `ModelSpec` (so a new
    /// model kind needs no case here): the leaky RNN with gain 1.3, tau in [1.5, 3] and `activation`;
    /// other kinds with gain 1.2 (the PLRNN's nonlinearity is always ReLU).
    static func make(_ kind: ModelKind, task: any Task, hidden: Int = 5, activation: Activation = .tanh, seed: UInt64) -> any LocalRecurrentModel {
        var spec = ModelSpec()
        spec.kind = kind
        spec.hidden = hidden
        spec.activation = activation
        spec.gain = kind == .leaky ? 1.3 : 1.2
        spec.tauMin = 1.5
        spec.tauMax = 3
        let built = spec.makeModel(inputSize: task.inputSize, outputSize: task.outputSize, rng: RandomSource(seed: seed, stream: "init"))
        guard var model = built as? any LocalRecurrentModel else { preconditionFailure("\(kind) is not a LocalRecurrentModel") }
        let rng = RandomSource(seed: seed, stream: "bias")
        for group in [model.drive.bias, model.drive.readoutBias] { for i in group.range { model.parameters[i] = rng.gaussian(sigma: 0.3) } }
        return model
    }

    /// The same model with W = 0, where the eligibility traces are the exact sensitivities.
    static func withoutRecurrence(_ model: any LocalRecurrentModel) -> any LocalRecurrentModel {
        var m = model
        for i in m.drive.recurrent.range { m.parameters[i] = 0 }
        return m
    }

    /// The groups node perturbation trains on `model`: the drive's and the readout's, plus each diagonal
    /// group the drive noise reaches (`LocalRecurrentModel.driveFactor`).
    static func nodePerturbationGroups(_ model: any LocalRecurrentModel) -> [String] {
        let d = model.drive, n = model.hiddenSize
        var names = [d.recurrent, d.input, d.bias, d.readout, d.readoutBias].map(\.name)
        var q = [Double](repeating: 0, count: n)
        let h = [Double](repeating: 0.5, count: n), k = model.stepConstants(), p = model.parameters
        for (g, group) in d.diagonal.enumerated()
        where model.driveFactor(group: g, constants: k, parameters: p, rows: 1, previous: h, into: &q) {
            names.append(group.name)
        }
        return names
    }
}

/// Relative error ||a - b|| / max(||a||, ||b||) over `range`.
func relativeError(_ a: [Double], _ b: [Double], in range: Range<Int>) -> Double {
    var diff = 0.0, na = 0.0, nb = 0.0
    for i in range {
        diff += (a[i] - b[i]) * (a[i] - b[i])
        na += a[i] * a[i]
        nb += b[i] * b[i]
    }
    return diff.squareRoot() / max(na.squareRoot(), nb.squareRoot(), 1e-300)
}
