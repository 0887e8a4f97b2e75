/// The reference loss a perturbation rule compares a perturbed loss with.
public enum LossBaseline: String, CaseIterable, Sendable {
    /// A second, noiseless pass on the same batch: the unbiased, low-variance choice.
    case clean
    /// An exponential running average of past perturbed losses: no extra pass, as a synapse
    /// could keep it (Fiete & Seung 2006 discuss both); noisier, since batches differ.
    case runningAverage = "running-average"

    public static let spec = ParameterSpec(
        "baseline", choices: allCases.map(\.rawValue), default: LossBaseline.clean.rawValue,
        doc: "reference loss: a clean pass on the same batch, or a running average of past perturbed losses")
    public static let decaySpec = ParameterSpec(
        "baseline-decay", default: 0.05, range: 0.000_001...1,
        doc: "weight of the newest loss in the running average (running-average baseline only)")

    init(setting value: Double) { self = LossBaseline.allCases[Int(value)] }
}

/// An exponential running average; the first value initialises it.
struct RunningAverage {
    let decay: Double
    private(set) var value = 0.0
    private(set) var isEmpty = true

    init(decay: Double) { self.decay = decay }

    /// [value, 1 if empty else 0]: what a training checkpoint keeps.
    var carried: [Double] {
        get { [value, isEmpty ? 1 : 0] }
        set {
            guard newValue.count == 2 else { return }
            value = newValue[0]
            isEmpty = newValue[1] != 0
        }
    }

    mutating func add(_ x: Double) {
        if isEmpty {
            value = x
            isEmpty = false
        } else {
            value += decay * (x - value)
        }
    }
}

/// What both perturbation rules (node, weight) are set with, and the running average their
/// running-average baseline keeps.
struct PerturbationSettings {
    let sigma: Double
    let draws: Int
    let baseline: LossBaseline
    let readout: ReadoutRule
    var average: RunningAverage

    /// Their hyperparameters: σ of the rule's noise (its default), draws, baseline and its decay.
    static func specs(sigma: Double, noise: String) -> [ParameterSpec] {
        [
            ParameterSpec("sigma", default: sigma, range: 1e-8...10, doc: "standard deviation of the \(noise) noise"),
            ParameterSpec("draws", default: 1, range: 1...10_000, integer: true, doc: "independent perturbations averaged per update"),
            LossBaseline.spec,
            LossBaseline.decaySpec,
        ]
    }

    init(settings: [String: Double]) {
        sigma = settings["sigma"]!
        draws = Int(settings["draws"]!)
        baseline = LossBaseline(setting: settings["baseline"]!)
        readout = ReadoutRule(settings: settings)
        average = RunningAverage(decay: settings["baseline-decay"]!)
    }

    /// The running-average reference for a perturbed loss: the average of earlier losses (the loss itself
    /// the first time); then, with that baseline, the loss joins the average.
    mutating func runningReference(_ perturbedLoss: Double) -> Double {
        let reference = average.isEmpty ? perturbedLoss : average.value
        if baseline == .runningAverage { average.add(perturbedLoss) }
        return reference
    }
}
