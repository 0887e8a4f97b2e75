import Foundation

/// One unit of work of a protocol: a fully resolved training run plus the analyses of its trained
/// network. Its `key` is a stable hash of everything that determines its results (protocol name,
/// condition label, run spec, analyses), so a results file can tell a finished cell from a changed one.
public struct ExperimentCell: Codable, Equatable, Sendable {
    public var protocolName: String
    /// The condition's label ("" when the protocol has a single, unnamed condition).
    public var condition: String
    public var spec: RunSpec
    public var analyses: AnalysisPlan
    /// What `spec.rule` resolved to (implementation, hyperparameters, optimiser; not the file's
    /// path), so editing a rule file changes the key instead of silently reusing old results.
    /// nil when the name does not resolve; `validate()` reports that.
    public var resolvedRule: RuleConfiguration?

    public init(protocolName: String, condition: String, spec: RunSpec, analyses: AnalysisPlan, resolvedRule: RuleConfiguration? = nil) {
        self.protocolName = protocolName
        self.condition = condition
        self.spec = spec
        self.analyses = analyses
        var rule = resolvedRule
        rule?.file = nil
        self.resolvedRule = rule
    }

    /// How the run learns its readout (`ReadoutRule.effective`); nil when the rule does not resolve.
    public var readout: ReadoutRule? {
        resolvedRule.flatMap { ReadoutRule.effective($0, overrides: spec.ruleSettings) }
    }

    /// Every setting the cell runs with, after precedence (nil when the rule does not resolve).
    public var settings: ResolvedConfiguration? {
        resolvedRule.map { spec.resolvedConfiguration(rule: $0) }
    }

    /// The resolved configuration as canonical JSON (sorted keys): stored with the results.
    public var configJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Every field is a plain value; encoding cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// 128-bit hash (two FNV-1a 64 variants) of `configJSON`, as 32 hex digits.
    public var key: String {
        let json = configJSON
        func fnv(_ basis: UInt64) -> UInt64 {
            var h = basis
            for byte in json.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            return h
        }
        return String(format: "%016llx%016llx", fnv(0xcbf2_9ce4_8422_2325), fnv(0x6c62_272e_07bb_0142))
    }

    /// "rule bptt, task flipflop3, condition g=2, seed 3": how errors and progress name a cell.
    public var label: String {
        "rule \(spec.rule), task \(spec.task)" + (condition.isEmpty ? "" : ", condition \(condition)") + ", seed \(spec.seed)"
    }
}
