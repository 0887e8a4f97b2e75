import XCTest
@testable import Plasticity

final class ProtocolParserTests: XCTestCase {
    let base = """
        name = "t"
        rules = ["bptt"]
        tasks = ["flipflop3"]

        """

    func parse(_ text: String) throws -> ExperimentProtocol {
        try ProtocolParser.parse(text, file: "p.toml", defaultName: "p")
    }

    func assertInputError(_ text: String, contains parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(text), file: file, line: line) { error in
            guard let e = error as? InputError else { return XCTFail("not an InputError: \(error)", file: file, line: line) }
            XCTAssertFalse(e.message.contains("\n"), "one line", file: file, line: line)
            for part in parts { XCTAssertTrue(e.message.contains(part), "'\(e.message)' lacks '\(part)'", file: file, line: line) }
        }
    }

    func testCellsAreRulesTimesTasksTimesConditionsTimesSeeds() throws {
        let p = try parse(base + """
            seeds = [3, 7, 9]
            [task-parameters]
            T = 40
            [task-parameters.flipflop3]
            p = 0.1
            [model]
            hidden = 12
            [training]
            max-trials = 500
            criterion-metric = "loss"
            criterion = 0.05
            [[conditions]]
            label = "g=1"
            model = { gain = 1.0 }
            [[conditions]]
            label = "g=3"
            model = { gain = 3.0 }
            task-parameters = { T = 60 }
            """)
        let cells = p.cells
        XCTAssertEqual(cells.count, 1 * 1 * 2 * 3)
        XCTAssertEqual(Set(cells.map(\.spec.seed)), [3, 7, 9])
        let g3 = cells.first { $0.condition == "g=3" }!
        XCTAssertEqual(g3.spec.model.gain, 3)
        XCTAssertEqual(g3.spec.model.hidden, 12)
        XCTAssertEqual(g3.spec.taskParameters, ["T": 60, "p": 0.1])
        XCTAssertEqual(cells.first { $0.condition == "g=1" }!.spec.taskParameters, ["T": 40, "p": 0.1])
        XCTAssertEqual(g3.spec.training.criterion, Criterion(metric: .loss, threshold: 0.05))
        XCTAssertEqual(Set(cells.map(\.key)).count, cells.count, "every cell has its own key")
        XCTAssertEqual(p.cells(shard: 0, of: 4).count + p.cells(shard: 1, of: 4).count + p.cells(shard: 2, of: 4).count + p.cells(shard: 3, of: 4).count, 6)
    }

    func testAnalysesAndDefaults() throws {
        let p = try parse(base + """
            seeds = 2
            [ablation]
            steps = 4
            orders = ["tau", "weight"]
            [perturbation]
            state = []
            """)
        XCTAssertEqual(p.seeds, [1, 2])
        XCTAssertEqual(p.analyses.ablation?.fractions, [0, 0.25, 0.5, 0.75, 1])
        XCTAssertEqual(p.analyses.ablation?.orders, [.tau, .weight])
        XCTAssertEqual(p.analyses.perturbation?.state, [])
        XCTAssertEqual(p.analyses.perturbation?.weights, Perturbation().weights)
        XCTAssertEqual(p.conditions.count, 1)
        XCTAssertEqual(p.conditions[0].label, "")
    }

    func testIntegrationTable() throws {
        let p = try parse(base + """
            [integration]
            dt = [1, 0.25, 0]
            method = "msbdf"
            trials = 64
            """)
        XCTAssertEqual(p.analyses.integration?.dt, [1, 0.25, 0])
        XCTAssertEqual(p.analyses.integration?.method, .msbdf)
        XCTAssertEqual(p.analyses.integration?.trials, 64)
        XCTAssertNil(try parse(base).analyses.integration)
        assertInputError(base + "[integration]\ndt = [0.3]\n", contains: ["p.toml", "integration.dt", "0.3", "1/k"])
        assertInputError(base + "[integration]\nmethod = \"euler\"\n", contains: ["integration.method", "'euler'", "rkf45, rkck, rk8pd, msbdf"])
    }

    func testUnknownKeyNamesFileKeyAndChoices() {
        assertInputError(base + "seed = 3\n", contains: ["p.toml", "unknown key 'seed'", "valid:", "seeds"])
        assertInputError(base + "[model]\nhiden = 3\n", contains: ["p.toml", "model", "unknown key 'hiden'", "hidden"])
        assertInputError(base + "[[conditions]]\nlabel = \"a\"\nmodle = { gain = 1 }\n", contains: ["conditions[0]", "'modle'", "model"])
    }

    func testWrongTypeAndOutOfRange() {
        assertInputError(base + "[model]\nhidden = \"big\"\n", contains: ["p.toml", "model.hidden", "expected an integer"])
        assertInputError(base + "[model]\nhidden = 0\n", contains: ["p.toml", "model.hidden", "out of range", "1...4096"])
        assertInputError(base + "[training]\nlearning-rate = -1\n", contains: ["training.learning-rate", "out of range"])
        assertInputError(base + "[ablation]\nfractions = [0, 1.5]\n", contains: ["ablation.fractions[1]", "0...1"])
        assertInputError(base + "[model]\nactivation = \"gelu\"\n", contains: ["model.activation", "'gelu'", "tanh"])
        assertInputError(base + "[task-parameters]\nT = 1\n", contains: ["p.toml", "T", "2...10000"])
    }

    func testUnknownRuleOrTaskListsValidChoices() {
        assertInputError("rules = [\"nope\"]\ntasks = [\"flipflop3\"]\n", contains: ["p.toml", "unknown rule 'nope'", "bptt"])
        assertInputError("rules = [\"bptt\"]\ntasks = [\"nope\"]\n", contains: ["p.toml", "tasks", "unknown task 'nope'", "flipflop3"])
        assertInputError(base + "[ablation]\norders = [\"size\"]\n", contains: ["ablation.orders", "'size'", "random, tau, weight"])
        assertInputError(base + "[rule-settings.eprop]\nx = 1\n", contains: ["rule-settings.eprop", "valid: bptt"])
    }

    func testGeometryTableDefaultsAndBadKeys() throws {
        let defaults = try XCTUnwrap(try parse(base + "[geometry]\n").analyses.geometry)
        XCTAssertEqual(defaults, GeometryAnalysis())
        XCTAssertEqual(defaults.detector, GRDetectorConfig())
        let g = try XCTUnwrap(try parse(base + "[geometry]\nevery = 3\nstarts = 16\nprobe-trials = 4\npr-jump = 0.5\nstability-changes = false\n").analyses.geometry)
        XCTAssertEqual([g.every, g.starts, g.probeTrials, g.paths], [3, 16, 4, 4], "paths default to at most the probe trials")
        XCTAssertEqual(g.detector.participationRatioJump, 0.5)
        XCTAssertFalse(g.detector.stabilityChanges)
        XCTAssertEqual(defaults.cycles, CycleOptions(), "cycles are searched by default")
        let timed = try XCTUnwrap(try parse(base + "[geometry]\npersistence = 3\nlead-window = 5\nheadline = [\"stable-fixed-points\", \"participation-ratio\"]\ncycle-window = 100\ncycle-tolerance = 0.01\n").analyses.geometry)
        XCTAssertEqual(timed.detector.persistence, 3)
        XCTAssertEqual(timed.detector.leadWindow, 5)
        XCTAssertEqual(timed.detector.headline, [.stableFixedPoints, .participationRatio])
        XCTAssertEqual(timed.cycles?.window, 100)
        XCTAssertEqual(timed.cycles?.tolerance, 0.01)
        XCTAssertNil(try parse(base + "[geometry]\ncycles = false\n").analyses.geometry?.cycles)
        XCTAssertNil(try parse(base).analyses.geometry, "not requested: not run")
        XCTAssertNotEqual(try parse(base + "[geometry]\n").cells[0].key, try parse(base).cells[0].key, "the analysis is part of the cell key")

        assertInputError(base + "[geometry]\nevry = 2\n", contains: ["p.toml", "geometry", "unknown key 'evry'", "every", "starts", "probe-trials", "pr-jump"])
        assertInputError(base + "[geometry]\nevery = 0\n", contains: ["p.toml", "geometry.every", "out of range", "1...1000000"])
        assertInputError(base + "[geometry]\nstarts = \"many\"\n", contains: ["geometry.starts", "expected an integer"])
        assertInputError(base + "[geometry]\npr-jump = 0\n", contains: ["geometry.pr-jump", "out of range"])
        assertInputError(base + "[geometry]\nprobe-trials = 4\npaths = 5\n", contains: ["geometry.paths", "0...4"])
        assertInputError(base + "[geometry]\nheadline = [\"attractors\"]\n", contains: ["p.toml", "geometry.headline", "'attractors'", "stable-fixed-points", "stable-cycles"])
        assertInputError(base + "[geometry]\npersistence = 0\n", contains: ["geometry.persistence", "1...100"])
        assertInputError(base + "[geometry]\ncycles = false\ncycle-window = 10\n", contains: ["geometry.cycle-window", "cycles = false"])
        // The fixed-point search runs on local models' step maps (leaky, plrnn); the gated models have none.
        assertInputError(base + "[model]\nkind = \"gru\"\n[geometry]\n", contains: ["p.toml", "model.kind", "'gru'", "valid: leaky, plrnn"])
        assertInputError(base + "[geometry]\n[[conditions]]\nlabel = \"p\"\nmodel = { kind = \"lstm\" }\n", contains: ["conditions 'p' model.kind", "valid: leaky, plrnn"])
    }

    /// Decided (issue 14): a single string where a list of strings is documented is a one-element
    /// list (docs/protocols.md); any other type is still a one-line error naming the key.
    func testASingleStringIsAOneElementList() throws {
        let p = try parse("rules = \"bptt\"\ntasks = \"flipflop3\"\n[ablation]\norders = \"tau\"\n")
        XCTAssertEqual(p.rules, ["bptt"])
        XCTAssertEqual(p.tasks, ["flipflop3"])
        XCTAssertEqual(p.analyses.ablation?.orders, [.tau])
        XCTAssertEqual(p.cells.count, 1)
        assertInputError("rules = 3\ntasks = [\"flipflop3\"]\n", contains: ["p.toml: rules:", "an array of strings"])
    }

    func testMissingAndMalformed() {
        assertInputError("tasks = [\"flipflop3\"]\n", contains: ["p.toml", "rules", "missing"])
        assertInputError(base + "[model\n", contains: ["p.toml", "malformed TOML at line"])
        assertInputError(base + "[[conditions]]\nlabel = \"a\"\n[[conditions]]\nlabel = \"a\"\n", contains: ["duplicate label 'a'"])
        XCTAssertThrowsError(try ProtocolParser.load("/nonexistent/x.toml")) { error in
            XCTAssertEqual((error as? InputError)?.message, "/nonexistent/x.toml: no such file")
        }
    }

    /// The shipped protocols name the final rule and task library (e-prop, node perturbation,
    /// n-parity, ...), which is merged from sibling branches: until then this test is skipped.
    func testShippedProtocolsParse() throws {
        let directory = TestPackage.url("protocols")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".toml") }.sorted()
        XCTAssertTrue(files.contains("quickstart.toml"))
        try XCTSkipIf(
            RuleRegistry.standard.ids.count < 2 || TaskRegistry.standard.ids.count < 2,
            "the rule and task libraries are not merged yet")
        for file in files {
            let p = try ProtocolParser.load(directory.appendingPathComponent(file).path)
            XCTAssertFalse(p.cells.isEmpty, file)
        }
    }

    func testStatedOptimizerSettingsWinOverTheRuleFile() throws {
        // bptt.toml says Adam 0.003 with clip 2; a protocol that states 0.001 (the library default) gets 0.001.
        let stated = try parse("""
            rules = ["bptt"]
            tasks = ["flipflop3"]
            [training]
            learning-rate = 0.001
            """)
        let spec = try XCTUnwrap(stated.cells.first).spec
        let effective = spec.effectiveTraining(for: try spec.ruleConfiguration()).optimizer
        XCTAssertEqual(effective.learningRate, 0.001)
        XCTAssertEqual(effective.clipNorm, 2, "unstated settings still come from the rule file")
        let unstated = try XCTUnwrap(try parse("rules = [\"bptt\"]\ntasks = [\"flipflop3\"]").cells.first).spec
        XCTAssertEqual(unstated.effectiveTraining(for: try unstated.ruleConfiguration()).optimizer.learningRate, 0.003)
    }

    func testCriteriaPerTask() throws {
        let p = try parse("""
            rules = ["bptt"]
            tasks = ["flipflop3", "n-parity"]
            [training]
            criterion = 0.9
            [criteria]
            flipflop3 = { metric = "loss", threshold = 0.05 }
            """)
        let byTask = Dictionary(p.cells.map { ($0.spec.task, $0.spec.training.criterion) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(byTask["flipflop3"], Criterion(metric: .loss, threshold: 0.05))
        XCTAssertEqual(byTask["n-parity"], Criterion(metric: .accuracy, threshold: 0.9))
        XCTAssertThrowsError(try parse("rules = [\"bptt\"]\ntasks = [\"flipflop3\"]\n[criteria]\nn-dms = { metric = \"loss\" }\n")) { error in
            XCTAssertEqual("\(error)", "p.toml: criteria.n-dms: unknown task 'n-dms'; valid: flipflop3")
        }
        XCTAssertThrowsError(try parse("rules = [\"bptt\"]\ntasks = [\"flipflop3\"]\n[criteria]\nflipflop3 = { metric = \"mse\" }\n")) { error in
            XCTAssertEqual("\(error)", "p.toml: criteria.flipflop3.metric: unknown metric 'mse'; valid: accuracy, loss")
        }
    }

    func testModifiersPerCondition() throws {
        let p = try parse("""
            rules = ["bptt"]
            tasks = ["flipflop3"]
            [[conditions]]
            label = "plain"
            [[conditions]]
            label = "tcr"
            modifiers = [{ kind = "tcr", lambda = 0.3 }]
            """)
        let byCondition = Dictionary(p.cells.map { ($0.condition, $0.spec.modifiers) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(byCondition["plain"], [])
        guard case let .tcr(config)? = byCondition["tcr"]?.first else { return XCTFail("no TCR modifier") }
        XCTAssertEqual(config.lambda, 0.3)
        XCTAssertNotEqual(p.cells[0].key, p.cells[1].key, "the modifier is part of the cell key")
        XCTAssertThrowsError(try parse("""
            rules = ["bptt"]
            tasks = ["flipflop3"]
            [[conditions]]
            label = "bad"
            modifiers = [{ kind = "tcp", lambda = 0.3 }]
            """)) { error in
            XCTAssertTrue("\(error)".hasPrefix("p.toml: conditions[0].modifiers"), "\(error)")
            XCTAssertTrue("\(error)".contains("tcp") && "\(error)".contains("valid: tcr, stp"), "\(error)")
        }
    }

    func testAConditionRunsASubsetOfTheTasks() throws {
        let p = try parse("""
            rules = ["bptt", "rflo"]
            tasks = ["flipflop3", "n-parity"]
            [task-parameters.n-parity]
            N = 3
            [[conditions]]
            label = "all"
            [[conditions]]
            label = "N=4"
            tasks = ["n-parity"]
            rules = ["bptt"]
            task-parameters = { n-parity = { N = 4 } }
            """)
        XCTAssertEqual(p.cells.count, 2 * 2 + 1)
        let load = p.cells.filter { $0.condition == "N=4" }
        XCTAssertEqual(load.map(\.spec.task), ["n-parity"])
        XCTAssertEqual(load.first?.spec.taskParameters, ["N": 4])
        assertInputError("rules = [\"bptt\"]\ntasks = [\"flipflop3\"]\n[[conditions]]\nlabel = \"x\"\ntasks = [\"n-parity\"]\n",
                         contains: ["p.toml", "conditions[0].tasks", "unknown task 'n-parity'", "flipflop3"])
    }
}
