/// The `[curriculum]` table of a protocol (top level, or per condition over the top level's):
/// kind, first-N, max-N, window, step, threshold, check-every, test-size, beyond, timescale-steps,
/// timescale-trials, timescale-selection, robustness-network
/// (docs/curricula.md). A protocol with one trains every cell through that curriculum.
extension ProtocolParser {
    static func parseCurriculum(_ fields: TOMLFields, base: CurriculumConfig) throws -> CurriculumConfig {
        var t = fields
        var c = base
        c.kind = try t.choice(ProtocolKeys.Curriculum.kind, default: c.kind)
        c.firstN = try t.int(ProtocolKeys.Curriculum.firstN, default: c.firstN)
        c.maxN = try t.int(ProtocolKeys.Curriculum.maxN, default: c.maxN)
        c.window = try t.int(ProtocolKeys.Curriculum.window, default: c.window)
        c.step = try t.int(ProtocolKeys.Curriculum.step, default: c.step)
        c.threshold = try t.double(ProtocolKeys.Curriculum.threshold, default: c.threshold)
        c.checkEvery = try t.int(ProtocolKeys.Curriculum.checkEvery, default: c.checkEvery)
        c.testSize = try t.int(ProtocolKeys.Curriculum.testSize, default: c.testSize)
        c.beyond = try t.int(ProtocolKeys.Curriculum.beyond, default: c.beyond)
        c.timescaleSteps = try t.int(ProtocolKeys.Curriculum.timescaleSteps, default: c.timescaleSteps)
        c.timescaleTrials = try t.int(ProtocolKeys.Curriculum.timescaleTrials, default: c.timescaleTrials)
        c.timescaleSelection = try t.choice(ProtocolKeys.Curriculum.timescaleSelection, default: c.timescaleSelection)
        c.robustnessNetwork = try t.choice(ProtocolKeys.Curriculum.robustnessNetwork, default: c.robustnessNetwork)
        try t.finish()
        // The checks that need no task here, naming the file; the task's own (N-DMS from N = 2) when cells are validated.
        try c.validate(family: .parity, file: t.file)
        return c
    }
}
