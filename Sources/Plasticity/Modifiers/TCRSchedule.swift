/// How lambda_TCR changes over training.
public enum TCRScheduleKind: String, Codable, Sendable, CaseIterable {
    /// lambda throughout.
    case constant
    /// lambda until `freeze-until` trials, then linearly annealed to 0 at `anneal-until`.
    case freezeIn = "freeze-in"
    /// A controller driven by the validation loss: raised while the loss plateaus, released after the drop.
    case plateau
}

/// The TCR modifier as a rule or protocol file attaches it:
/// `modifiers = [{ kind = "tcr", lambda = 0.3, schedule = "plateau", window = 4 }]`.
/// Numeric settings are `ParameterSpec`s (defaults, ranges, docs); `schedule` names a `TCRScheduleKind`.
public struct TCRConfig: Codable, Equatable, Sendable {
    public var lambda: Double
    public var schedule: TCRScheduleKind
    public var freezeUntil = 5_000
    public var annealUntil = 10_000
    public var window = 3
    public var plateauTolerance = 0.02
    public var growth = 1.5
    public var release = 0.5
    public var drop = 0.3
    public var maxLambda = 3.0
    public var backoff = 0.5
    public var collapseSpread = CollapseDetector.defaultThreshold

    public static let settings: [ParameterSpec] = [
        ParameterSpec("lambda", default: 0.3, range: 0...100, doc: "lambda_TCR (the starting value for schedule = plateau)"),
        ParameterSpec("freeze-until", default: 5_000, range: 0...1e9, integer: true, doc: "freeze-in: trials at full lambda"),
        ParameterSpec("anneal-until", default: 10_000, range: 1...1e9, integer: true, doc: "freeze-in: trial where lambda reaches 0 (> freeze-until)"),
        ParameterSpec("window", default: 3, range: 1...1_000, integer: true, doc: "plateau: evaluations over which the loss change is measured"),
        ParameterSpec("plateau-tolerance", default: 0.02, range: 0...1, doc: "plateau: relative improvement over the window below which the loss plateaus"),
        ParameterSpec("growth", default: 1.5, range: 1...100, doc: "plateau: factor raising lambda at each evaluation on the plateau"),
        ParameterSpec("release", default: 0.5, range: 0...1, doc: "plateau: factor decaying lambda at each evaluation after the drop"),
        ParameterSpec("drop", default: 0.3, range: 0...1, doc: "plateau: relative loss decrease over the window that counts as the drop"),
        ParameterSpec("max-lambda", default: 3, range: 0...100, doc: "plateau: cap on lambda (>= lambda)"),
        ParameterSpec("backoff", default: 0.5, range: 0...1, doc: "plateau: factor cutting lambda (and the cap) when the network collapses"),
        ParameterSpec("collapse-spread", default: CollapseDetector.defaultThreshold, range: 0...1, doc: "relative spread of final states below which the network has collapsed"),
    ]

    public init(lambda: Double, schedule: TCRScheduleKind = .constant) {
        self.lambda = lambda
        self.schedule = schedule
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
        window = Int(v["window"]!)
        plateauTolerance = v["plateau-tolerance"]!
        growth = v["growth"]!
        release = v["release"]!
        drop = v["drop"]!
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
            if !(drop > plateauTolerance) { throw InputError.outOfRange("drop", drop, range: "> plateau-tolerance (\(formatNumber(plateauTolerance)))", file: file, key: "\(key): drop") }
        }
    }
}

/// lambda_TCR over training (by trials). Constant and freeze-in are pure functions of the trial;
/// the plateau controller is a small state machine fed, at each evaluation, with the validation
/// loss and whether the network collapsed (`CollapseDetector`):
/// - watching → raising: the loss improved by less than `plateau-tolerance` (relative) over the last
///   `window` evaluations: lambda ← min(lambda · growth, cap);
/// - → released (final): the loss fell by at least `drop` (relative) over the window: from then on
///   lambda ← lambda · release at each evaluation (the plateau is over; TCR would only slow the fit);
/// - in any phase, a collapse cuts lambda and the cap by `backoff`, so lambda never returns to the
///   strength that collapsed the network.
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
    /// Validation losses of the last window + 1 evaluations.
    var recentLosses: [Double] = []

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

    /// Feeds one evaluation to the controller (a no-op for constant and freeze-in).
    public mutating func observe(validationLoss loss: Double, collapsed: Bool) {
        guard config.schedule == .plateau else { return }
        recentLosses.append(loss)
        if recentLosses.count > config.window + 1 { recentLosses.removeFirst() }
        if collapsed {
            collapses += 1
            controllerLambda *= config.backoff
            cap = controllerLambda
            return
        }
        if phase == .released {
            controllerLambda *= config.release
            return
        }
        guard recentLosses.count == config.window + 1, let old = recentLosses.first, old.isFinite, loss.isFinite else { return }
        let improvement = (old - loss) / max(abs(old), .leastNormalMagnitude)
        if improvement >= config.drop {
            phase = .released
            controllerLambda *= config.release
        } else if improvement < config.plateauTolerance {
            phase = .raising
            controllerLambda = min(controllerLambda * config.growth, cap)
        } else {
            phase = .watching
        }
    }
}
