/// Everything needed to build a model for a task, except the weights. Protocol files, the CLI and
/// saved networks all describe models this way.
public struct ModelSpec: Codable, Equatable, Sendable {
    public var kind: ModelKind = .leaky
    public var hidden: Int = 64
    public var activation: Activation = .leakyRelu
    public var initialization: Initialization = .gain
    public var gain: Double = 1.5
    public var tauMin: Double = 1
    public var tauMax: Double = 2
    public var trainTau = true
    public var selfConnections = false
    /// h_0 = scale·U(0, 1), drawn per trial (the ICLR 2024 recipe: 0.1); nil: h_0 = 0. Optional, so
    /// specs without it encode (and hash into cell keys) exactly as before it existed.
    public var initialStateScale: Double? = nil

    public init() {}

    /// A freshly initialised model, its weights drawn from `rng` (the run's init stream).
    public func makeModel(inputSize: Int, outputSize: Int, rng: RandomSource) -> any RecurrentModel {
        switch kind {
        case .leaky: return LeakyRNN(spec: self, inputSize: inputSize, outputSize: outputSize, rng: rng)
        case .plrnn: return PLRNN(spec: self, inputSize: inputSize, outputSize: outputSize, rng: rng)
        case .gru: return GRU(spec: self, inputSize: inputSize, outputSize: outputSize, rng: rng)
        case .lstm: return LSTM(spec: self, inputSize: inputSize, outputSize: outputSize, rng: rng)
        }
    }

    /// A model with the given weights (e.g. from a saved network).
    public func makeModel(inputSize: Int, outputSize: Int, parameters: [Double]) throws -> any RecurrentModel {
        var model = makeModel(inputSize: inputSize, outputSize: outputSize, rng: RandomSource(seed: 0, stream: "shape"))
        guard parameters.count == model.layout.count else {
            throw InputError.invalid("expected \(model.layout.count) parameters for this model, found \(parameters.count)", key: "parameters")
        }
        model.parameters = parameters
        return model
    }

    /// Range checks shared by the CLI and protocol files.
    public func validate(file: String? = nil) throws {
        if hidden < 1 || hidden > 4096 { throw InputError.outOfRange("hidden", Double(hidden), range: "1...4096", file: file) }
        if !(gain >= 0 && gain <= 100) { throw InputError.outOfRange("gain", gain, range: "0...100", file: file) }
        if !(tauMin >= 1) { throw InputError.outOfRange("tau-min", tauMin, range: ">= 1", file: file) }
        if !(tauMax >= tauMin) { throw InputError.outOfRange("tau-max", tauMax, range: ">= tau-min (\(formatNumber(tauMin)))", file: file) }
        if let scale = initialStateScale {
            if !(scale > 0 && scale <= 10) { throw InputError.outOfRange("initial-state-scale", scale, range: "(0, 10]", file: file) }
            // The PLRNN's first step reads no rates of z_0 (r_0 = 0 by construction), so a random z_0
            // would enter only through A: refused rather than half applied.
            if kind == .plrnn {
                throw InputError.invalid("initial-state-scale applies to leaky, gru and lstm, not plrnn", file: file, key: "initial-state-scale")
            }
        }
    }
}

// How a spec maps onto each model's configuration (the gated models take the hidden size only).

extension LeakyRNNConfig {
    /// Every setting of `spec` applies.
    public init(spec: ModelSpec, inputSize: Int, outputSize: Int) {
        self.init(inputSize: inputSize, hiddenSize: spec.hidden, outputSize: outputSize)
        activation = spec.activation
        initialization = spec.initialization
        gain = spec.gain
        tauRange = spec.tauMin...spec.tauMax
        trainTau = spec.trainTau
        selfConnections = spec.selfConnections
    }
}

extension PLRNNConfig {
    /// The spec's hidden size, initialisation and gain (the PLRNN's nonlinearity is always ReLU and it
    /// has no tau, so those settings do not apply).
    public init(spec: ModelSpec, inputSize: Int, outputSize: Int) {
        self.init(inputSize: inputSize, hiddenSize: spec.hidden, outputSize: outputSize)
        initialization = spec.initialization
        gain = spec.gain
    }
}

extension ModelKind {
    /// The model settings this kind uses besides the hidden size (what its `Config.init(spec:...)` reads).
    public var settingsUsed: [String] {
        switch self {
        case .leaky: return ["activation", "initialization", "gain", "tau-min", "tau-max", "fixed-tau"]
        case .plrnn: return ["initialization", "gain"]
        case .gru, .lstm: return []
        }
    }

    /// A setting stated for a model that does not use it is an error, not silently ignored:
    /// `--model plrnn --activation tanh` names the setting, the model and what it uses.
    public func checkApplies(stated names: [String], prefix: String = "--", file: String? = nil) throws {
        for name in names where !settingsUsed.contains(name) {
            let users = ModelKind.allCases.filter { $0.settingsUsed.contains(name) }.map(\.rawValue)
            let own = settingsUsed.isEmpty ? "only the hidden size" : "only \(prefix)hidden, " + settingsUsed.map { prefix + $0 }.joined(separator: ", ")
            throw InputError.invalid(
                "does not apply to model '\(rawValue)' (it uses \(own)); valid: leave it out, or a model it applies to (\(users.joined(separator: ", ")))",
                file: file, key: prefix + name)
        }
    }
}
