/// The `[curriculum]` table of a protocol (top level, or per condition over the top level's):
/// kind, first-N, max-N, window, step, threshold, check-every, test-size, beyond, timescale-steps,
/// timescale-trials, timescale-selection, robustness-network
/// (docs/curricula.md). A protocol with one trains every cell through that curriculum.
extension ProtocolParser {
    static func parseCurriculum(_ fields: TOMLFields, base: CurriculumConfig) throws -> CurriculumConfig {
        var t = fields
        var c = base
        c.kind = try t.choice("kind", default: c.kind)
        c.firstN = try t.int("first-N", default: c.firstN, range: 1...1000)
        c.maxN = try t.int("max-N", default: c.maxN, range: 1...1000)
        c.window = try t.int("window", default: c.window, range: 1...1000)
        c.step = try t.int("step", default: c.step, range: 1...1000)
        c.threshold = try t.double("threshold", default: c.threshold, range: 0...1)
        c.checkEvery = try t.int("check-every", default: c.checkEvery, range: 1...1_000_000_000)
        c.testSize = try t.int("test-size", default: c.testSize, range: 1...65_536)
        c.beyond = try t.int("beyond", default: c.beyond, range: 0...100)
        c.timescaleSteps = try t.int("timescale-steps", default: c.timescaleSteps, range: 0...10_000_000)
        c.timescaleTrials = try t.int("timescale-trials", default: c.timescaleTrials, range: 0...1000)
        c.timescaleSelection = try t.choice("timescale-selection", default: c.timescaleSelection)
        c.robustnessNetwork = try t.choice("robustness-network", default: c.robustnessNetwork)
        try t.finish()
        // The checks that need no task here, naming the file; the task's own (N-DMS from N = 2) when cells are validated.
        try c.validate(family: .parity, file: t.file)
        return c
    }
}
