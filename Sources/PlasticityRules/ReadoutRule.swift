import Dense

/// How a rule learns the readout (V, c), a setting of every rule (`readout` in a rule file's
/// [hyperparameters], `--rule-param readout=delta`, a protocol's rule settings), so comparisons can
/// hold it fixed.
///
/// The readout y_t = V r_t + c has one layer, so its exact gradient is the local delta rule
/// dV = Σ_t dY_tᵀ r_t, dc = Σ_t dY_t with dY = dL/dy (the error at the output). Every rule whose
/// estimate is exact for the readout (bptt, tbptt, rtrl, e-prop, rflo) already learns it that way,
/// so for them both choices are the same rule; a perturbation rule's own estimate is its
/// perturbation (node perturbation: noise on the outputs; weight perturbation: noise on V and c),
/// and `delta` replaces that part by the delta rule and leaves the perturbation to the recurrent part.
public enum ReadoutRule: String, CaseIterable, Codable, Sendable {
    /// The rule's own estimate of the readout gradient.
    case own
    /// The local delta rule (the exact readout gradient).
    case delta

    public static let spec = ParameterSpec(
        "readout", choices: allCases.map(\.rawValue), default: ReadoutRule.own.rawValue,
        doc: "how V and c learn: the rule's own estimate, or the local delta rule dV = Σ dY rᵀ (the same for rules exact at the readout)")

    /// The choice a resolved settings dictionary holds (the default when absent).
    public init(settings: [String: Double]) {
        self = ReadoutRule.allCases[Int(settings[ReadoutRule.spec.name] ?? 0)]
    }

    /// What a run of `type` with these settings does at the readout: the delta rule whenever the
    /// rule's own estimate is the delta rule, so two runs that learn V and c alike record the same.
    public static func effective(_ type: any LearningRule.Type, settings: [String: Double]) -> ReadoutRule {
        type.learnsReadoutByDeltaRule ? .delta : ReadoutRule(settings: settings)
    }

    /// The same for a rule configuration and a run's overrides on top (nil when the implementation is unknown).
    public static func effective(
        _ configuration: RuleConfiguration, overrides: [String: Double] = [:], registry: RuleRegistry = .standard
    ) -> ReadoutRule? {
        guard let type = try? registry.type(configuration.implementation) else { return nil }
        return effective(type, settings: configuration.hyperparameters.merging(overrides) { _, new in new })
    }
}

extension LearningRule {
    /// Every setting the rule takes: its own hyperparameters, then those every rule shares (`readout`).
    public static var settingSpecs: [ParameterSpec] { hyperparameters + [ReadoutRule.spec] }
}

/// Writes the delta rule's dV and dc over `gradient`'s V and c slots for a finished pass of `batch`:
/// dY = dL/dy of the task loss goes into `outputGradient` (resized, no allocation within its capacity).
func deltaRuleReadout(
    _ model: any RecurrentModel, _ trajectory: Trajectory, lossKind: LossKind, batch: Batch,
    outputGradient: inout Tensor3, into gradient: inout [Double]
) {
    outputGradient.resize(steps: batch.steps)
    outputGradient.data.withUnsafeMutableBufferPointer { dY in
        Loss.evaluate(lossKind, outputs: trajectory.outputs, batch: batch, gradient: dY.baseAddress!)
        gradient.withUnsafeMutableBufferPointer { deltaRuleReadout(model, trajectory, outputGradient: dY.baseAddress!, into: $0.baseAddress!) }
    }
}

/// The same from dY (T·B rows × O). The readout's input is the rates r_t of a `LocalRecurrentModel`, else h_t.
func deltaRuleReadout(
    _ model: any RecurrentModel, _ trajectory: Trajectory, outputGradient dY: UnsafePointer<Double>,
    into gradient: UnsafeMutablePointer<Double>
) {
    if let local = model as? any LocalRecurrentModel {
        localDeltaRuleReadout(local, trajectory, outputGradient: dY, into: gradient)
        return
    }
    let rows = trajectory.steps * trajectory.batch, n = model.hiddenSize, slice = trajectory.batch * n
    trajectory.states.data.withUnsafeBufferPointer { H in
        readoutGradient(
            dY: dY, rates: H.baseAddress! + slice, rows: rows, hidden: n, outputs: model.outputSize,
            readoutOffset: model.layout["V"].offset, readoutBiasOffset: model.layout["c"].offset, into: gradient)
    }
}

private func localDeltaRuleReadout<M: LocalRecurrentModel>(
    _ model: M, _ trajectory: Trajectory, outputGradient dY: UnsafePointer<Double>, into gradient: UnsafeMutablePointer<Double>
) {
    trajectory.withReadOnlyPointers { p in
        readoutGradient(
            dY: dY, rates: model.rates(p, step: 1)!, rows: trajectory.steps * trajectory.batch, hidden: model.hiddenSize,
            outputs: model.outputSize, drive: model.drive, into: gradient)
    }
}
