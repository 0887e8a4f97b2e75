/// Optimiser settings a rule configuration (or a caller) states; unstated fields keep the base
/// value. Applied in order: defaults, then the rule file's, then the caller's explicit overrides.
public struct OptimizerSettings: Codable, Equatable, Sendable {
    public var kind: OptimizerKind?
    public var learningRate: Double?
    public var momentum: Double?
    public var nesterov: Bool?
    public var clipNorm: Double?
    /// True: no clipping, whatever the rule file says (a protocol's `clip = 0`, a sweep's clip 0).
    public var clipDisabled: Bool?

    public init(kind: OptimizerKind? = nil, learningRate: Double? = nil, momentum: Double? = nil, nesterov: Bool? = nil, clipNorm: Double? = nil) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.clipNorm = clipNorm
    }

    public var isEmpty: Bool { self == OptimizerSettings() }

    public func applied(to base: OptimizerConfig) -> OptimizerConfig {
        var c = base
        if let kind { c.kind = kind }
        if let learningRate { c.learningRate = learningRate }
        if let momentum { c.momentum = momentum }
        if let nesterov { c.nesterov = nesterov }
        if let clipNorm { c.clipNorm = clipNorm }
        if clipDisabled == true { c.clipNorm = nil }
        return c
    }

    /// Short text for listings, e.g. "adam, lr 0.001, clip 1".
    public var text: String {
        var parts: [String] = []
        if let kind { parts.append(kind.rawValue) }
        if let learningRate { parts.append("lr \(formatNumber(learningRate))") }
        if let momentum { parts.append("momentum \(formatNumber(momentum))") }
        if let nesterov, nesterov { parts.append("nesterov") }
        if let clipNorm { parts.append("clip \(formatNumber(clipNorm))") }
        if clipDisabled == true { parts.append("no clip") }
        return parts.joined(separator: ", ")
    }

    /// Keys of the `[optimizer]` table of a rule file, declared once: the parser's list of valid keys,
    /// the range its errors name, and docs/rules.md's table (`make doc-tables`).
    public static let keySpecs = [
        KeySpec.choice("kind", OptimizerKind.self, default: OptimizerConfig().kind, "the optimiser"),
        KeySpec("learning-rate", .custom(type: "number", range: learningRateRange), default: formatNumber(OptimizerConfig().learningRate), "step size"),
        KeySpec("momentum", .custom(type: "number", range: momentumRange), default: "0", "SGD only (a run whose optimiser is Adam refuses it)"),
        KeySpec("nesterov", .bool, default: "false", "Nesterov momentum (SGD only)"),
        KeySpec("clip", .custom(type: "number", range: clipRange), default: "none", "clip the update's L2 norm at this value"),
    ]
    public static let keys = keySpecs.map(\.name)
    static let learningRateRange = "0 < lr <= 10"
    static let momentumRange = "0 <= momentum < 1"
    static let clipRange = "> 0"
}

extension OptimizerSettings {
    /// Momentum and Nesterov stated for an optimiser that has neither (adam) are errors, not ignored.
    public func checkApplies(to effective: OptimizerConfig, prefix: String = "", file: String? = nil) throws {
        guard effective.kind != .sgd else { return }
        for (name, stated) in [("momentum", momentum != nil), ("nesterov", nesterov == true)] where stated {
            throw InputError.invalid(
                "applies to the sgd optimizer only (this run's is \(effective.kind.rawValue)); valid: leave it out, or \(prefix)optimizer sgd",
                file: file, key: prefix + name)
        }
    }
}
