/// How lambda_TCR changes over training.
public enum TCRScheduleKind: String, Codable, Sendable, CaseIterable {
    /// lambda throughout.
    case constant
    /// lambda until `freeze-until` trials, then linearly annealed to 0 at `anneal-until`.
    case freezeIn = "freeze-in"
    /// A controller driven by the validation loss against the trivial baseline: armed when the loss
    /// enters the band around it, raised while the plateau lasts, released after the escape,
    /// re-armed on a later plateau.
    case plateau
}

/// The TCR modifier as a rule or protocol file attaches it:
/// `modifiers = [{ kind = "tcr", lambda = 0.3, schedule = "plateau", persistence = 3 }]`.
/// Numeric settings are `ParameterSpec`s (defaults, ranges, docs); `schedule` names a `TCRScheduleKind`.
public struct TCRConfig: Codable, Equatable, Sendable {
    public var lambda: Double
    public var schedule: TCRScheduleKind
    public var freezeUntil = 5_000
    public var annealUntil = 10_000
    public var band = PlateauDefinition.standard.band
    public var escape = PlateauDefinition.standard.escape
    public var persistence = 2
    public var growth = 1.5
    public var release = 0.5
    public var maxLambda = 3.0
    public var backoff = 0.5
    public var collapseSpread = CollapseDetector.defaultThreshold

    public static let settings: [ParameterSpec] = [
        ParameterSpec("lambda", default: 0.3, range: 0...100, doc: "lambda_TCR (the starting value for schedule = plateau)"),
        ParameterSpec("freeze-until", default: 5_000, range: 0...1e9, integer: true, doc: "freeze-in: trials at full lambda"),
        ParameterSpec("anneal-until", default: 10_000, range: 1...1e9, integer: true, doc: "freeze-in: trial where lambda reaches 0 (> freeze-until)"),
        ParameterSpec("band", default: PlateauDefinition.standard.band, range: 0...10, doc: "plateau: the loss is on the plateau at most (1 + band) × the trivial baseline (and not escaped)"),
        ParameterSpec("escape", default: PlateauDefinition.standard.escape, range: 0.000_001...1, doc: "plateau: the loss has escaped below escape × the trivial baseline"),
        ParameterSpec("persistence", default: 2, range: 1...1_000, integer: true, doc: "plateau: evaluations in a row that arm (on the plateau) or release (escaped) the controller"),
        ParameterSpec("growth", default: 1.5, range: 1...100, doc: "plateau: factor raising lambda at each evaluation on the plateau"),
        ParameterSpec("release", default: 0.5, range: 0...1, doc: "plateau: factor decaying lambda at each evaluation after the escape"),
        ParameterSpec("max-lambda", default: 3, range: 0...100, doc: "plateau: cap on lambda (>= lambda)"),
        ParameterSpec("backoff", default: 0.5, range: 0...1, doc: "plateau: factor cutting lambda (and the cap) when the network collapses"),
        ParameterSpec("collapse-spread", default: CollapseDetector.defaultThreshold, range: 0...1, doc: "relative spread of final states below which the network has collapsed"),
    ]

    public init(lambda: Double, schedule: TCRScheduleKind = .constant) {
        self.lambda = lambda
        self.schedule = schedule
    }

    enum CodingKeys: String, CodingKey {
        case lambda, schedule, freezeUntil, annealUntil, band, escape, persistence, growth, release, maxLambda, backoff, collapseSpread
    }

    /// Configurations stored with the earlier controller's keys (window, plateauTolerance, drop)
    /// still decode, with today's controller settings at their defaults, so old results stay readable.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(lambda: try c.decode(Double.self, forKey: .lambda), schedule: try c.decode(TCRScheduleKind.self, forKey: .schedule))
        freezeUntil = try c.decodeIfPresent(Int.self, forKey: .freezeUntil) ?? freezeUntil
        annealUntil = try c.decodeIfPresent(Int.self, forKey: .annealUntil) ?? annealUntil
        band = try c.decodeIfPresent(Double.self, forKey: .band) ?? band
        escape = try c.decodeIfPresent(Double.self, forKey: .escape) ?? escape
        persistence = try c.decodeIfPresent(Int.self, forKey: .persistence) ?? persistence
        growth = try c.decodeIfPresent(Double.self, forKey: .growth) ?? growth
        release = try c.decodeIfPresent(Double.self, forKey: .release) ?? release
        maxLambda = try c.decodeIfPresent(Double.self, forKey: .maxLambda) ?? maxLambda
        backoff = try c.decodeIfPresent(Double.self, forKey: .backoff) ?? backoff
        collapseSpread = try c.decodeIfPresent(Double.self, forKey: .collapseSpread) ?? collapseSpread
    }

    /// From a file's entry: `schedule` by name, numbers by setting name (defaults filled, ranges checked).
    public init(schedule name: String, settings overrides: [String: Double], file: String? = nil, key: String = "tcr") throws {
        guard let kind = TCRScheduleKind(rawValue: name) else {
            throw InputError.unknown("schedule", name, valid: TCRScheduleKind.allCases.map(\.rawValue), file: file, key: key)
        }
        let v = try resolve(specs: TCRConfig.settings, overrides: overrides, owner: key, file: file)
        self.init(lambda: v["lambda"]!, schedule: kind)
        freezeUntil = Int(v["freeze-until"]!)
        annealUntil = Int(v["anneal-until"]!)
        band = v["band"]!
        escape = v["escape"]!
        persistence = Int(v["persistence"]!)
        growth = v["growth"]!
        release = v["release"]!
        maxLambda = v["max-lambda"]!
        backoff = v["backoff"]!
        collapseSpread = v["collapse-spread"]!
        try validate(file: file, key: key)
    }

    /// Checks the settings that depend on each other (ranges of single values: `settings`).
    public func validate(file: String? = nil, key: String = "tcr") throws {
        if !(lambda >= 0 && lambda.isFinite) { throw InputError.outOfRange("lambda", lambda, range: ">= 0", file: file, key: "\(key): lambda") }
        switch schedule {
        case .constant: break
        case .freezeIn:
            if annealUntil <= freezeUntil {
                throw InputError.outOfRange("anneal-until", Double(annealUntil), range: "> freeze-until (\(freezeUntil))", file: file, key: "\(key): anneal-until")
            }
        case .plateau:
            if !(lambda > 0) { throw InputError.outOfRange("lambda", lambda, range: "> 0 for schedule plateau (it is raised by factors)", file: file, key: "\(key): lambda") }
            if maxLambda < lambda { throw InputError.outOfRange("max-lambda", maxLambda, range: ">= lambda (\(formatNumber(lambda)))", file: file, key: "\(key): max-lambda") }
            if !(escape < 1 + band) { throw InputError.outOfRange("escape", escape, range: "< 1 + band (\(formatNumber(1 + band)))", file: file, key: "\(key): escape") }
        }
    }
}

/// lambda_TCR over training (by trials). Constant and freeze-in are pure functions of the trial;
/// the plateau controller is a small state machine fed, at each evaluation, with the validation
/// loss L, the trivial baseline B of the same validation data (`TrivialBaseline`) and whether the
/// network collapsed (`CollapseDetector`). L is *on the plateau* when escape·B <= L <= (1 + band)·B
/// and *escaped* when L < escape·B (the definitions of `PlateauDefinition`); a change of phase
/// needs `persistence` evaluations in a row, so one noisy evaluation neither arms nor releases:
/// - watching (lambda as it is): `persistence` evaluations on the plateau arm it → raising, and
///   lambda ← min(max(lambda, the starting lambda) · growth, cap);
/// - raising: at each evaluation on the plateau lambda ← min(lambda · growth, cap); above the band
///   (e.g. TCR itself raised the loss) or a lone escaped evaluation: held; `persistence` escaped
///   evaluations in a row → released, lambda ← lambda · release;
/// - released: lambda ← lambda · release at each evaluation, until `persistence` evaluations on the
///   plateau re-arm it (a later plateau) as from watching;
/// - in any phase, a collapse cuts lambda and the cap by `backoff`, so lambda never returns to the
///   strength that collapsed the network.
/// Without a finite positive baseline the controller never arms (lambda stays at its start).
public struct TCRSchedule: Sendable {
    public enum Phase: String, Codable, Sendable {
        case watching, raising, released
    }

    public let config: TCRConfig
    public private(set) var phase = Phase.watching
    /// The controller's current lambda (plateau schedule).
    public private(set) var controllerLambda: Double
    public private(set) var cap: Double
    public private(set) var collapses = 0
    /// How many times the controller armed (plateaus it raised lambda on).
    public private(set) var armings = 0
    /// Evaluations in a row on the plateau, and escaped.
    var onPlateauRun = 0
    var escapedRun = 0

    public init(config: TCRConfig) {
        self.config = config
        controllerLambda = config.lambda
        cap = config.maxLambda
    }

    /// lambda_TCR to use for the batches after `trials` trials.
    public func lambda(atTrial trials: Int) -> Double {
        switch config.schedule {
        case .constant: return config.lambda
        case .freezeIn:
            if trials <= config.freezeUntil { return config.lambda }
            if trials >= config.annealUntil { return 0 }
            return config.lambda * Double(config.annealUntil - trials) / Double(config.annealUntil - config.freezeUntil)
        case .plateau: return controllerLambda
        }
    }

    /// Feeds one evaluation to the controller (a no-op for constant and freeze-in): the validation
    /// loss and the trivial baseline of the same validation data.
    public mutating func observe(validationLoss loss: Double, baseline: Double, collapsed: Bool) {
        guard config.schedule == .plateau else { return }
        let known = loss.isFinite && baseline.isFinite && baseline > 0
        let escaped = known && loss < config.escape * baseline
        let onPlateau = known && !escaped && loss <= (1 + config.band) * baseline
        escapedRun = escaped ? escapedRun + 1 : 0
        onPlateauRun = onPlateau ? onPlateauRun + 1 : 0
        if collapsed {
            collapses += 1
            controllerLambda *= config.backoff
            cap = controllerLambda
            return
        }
        switch phase {
        case .watching, .released:
            if onPlateauRun >= config.persistence {
                phase = .raising
                armings += 1
                controllerLambda = min(max(controllerLambda, config.lambda) * config.growth, cap)
            } else if phase == .released {
                controllerLambda *= config.release
            }
        case .raising:
            if escapedRun >= config.persistence {
                phase = .released
                controllerLambda *= config.release
            } else if onPlateau {
                controllerLambda = min(controllerLambda * config.growth, cap)
            }
        }
    }
}
