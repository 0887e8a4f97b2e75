import Foundation
import XCTest
@testable import Plasticity
@testable import PlasticityStoring

/// What every output says about what ran (the resolved settings), and outputs that load cleanly
/// in scripts: the CSV export read the way docs/outputs.md's pandas snippet reads it, the JSON keys.
final class OutputsTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("outputs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    // MARK: resolved settings

    func testResolvedConfigurationAppliesThePrecedence() throws {
        var spec = RunSpec(task: "flipflop3")
        let library = try RuleLibrary()
        let bptt = try library.resolve("bptt")
        var s = spec.resolvedConfiguration(rule: bptt)
        // The rule file's optimiser (adam, lr 0.003, clip 2) over the defaults.
        XCTAssertEqual(s.optimizer, "adam")
        XCTAssertEqual(s.learningRate, 0.003)
        XCTAssertEqual(s.clip, 2)
        XCTAssertEqual(s.taskParameters, ["T": 100, "p": 0.05], "every task parameter, defaults filled")
        XCTAssertEqual(s.activation, spec.model.activation.rawValue)
        // A caller's explicit override wins over the rule file; a changed training default too.
        spec.optimizerOverrides = OptimizerSettings(learningRate: 0.02)
        s = spec.resolvedConfiguration(rule: bptt)
        XCTAssertEqual(s.learningRate, 0.02)
        XCTAssertEqual(s.clip, 2)
        spec.optimizerOverrides = OptimizerSettings()
        spec.training.optimizer.clipNorm = 5
        XCTAssertEqual(spec.resolvedConfiguration(rule: bptt).clip, 5)
        // Choices by name; the PLRNN's nonlinearity is always ReLU whatever the spec says.
        spec.model.kind = .plrnn
        spec.model.activation = .tanh
        let eprop = spec.resolvedConfiguration(rule: try library.resolve("eprop-random"))
        XCTAssertEqual(eprop.ruleSettings["feedback"], .text("random"))
        XCTAssertEqual(eprop.activation, "relu")
        XCTAssertEqual(eprop.learningRate, 0.01)
        // The budget in whole batches.
        spec.training.maxTrials = 100
        spec.training.batchSize = 32
        let rounded = spec.resolvedConfiguration(rule: bptt)
        XCTAssertEqual(rounded.budget, 100)
        XCTAssertEqual(rounded.budgetWholeBatches, 128)
        // JSON: snake_case keys, every key present (clip null when there is no clipping).
        spec.optimizerOverrides.clipDisabled = true
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(spec.resolvedConfiguration(rule: bptt).json.utf8)) as? [String: Any])
        XCTAssertTrue(object["clip"] is NSNull)
        XCTAssertNotNil(object["learning_rate"])
        XCTAssertNotNil(object["budget_whole_batches"])
        XCTAssertTrue(object.keys.allSatisfy { $0 == $0.lowercased() && !$0.contains("-") }, "\(object.keys.sorted())")
    }

    func testTrainSummaryJSONHasTheCurveTheSettingsAndExplicitNulls() throws {
        var spec = RunSpec(task: "flipflop3")
        spec.taskParameters = ["T": 10]
        spec.model.hidden = 4
        spec.training.maxTrials = 40
        spec.training.batchSize = 16
        spec.training.evalEvery = 16
        spec.training.validationSize = 16
        spec.training.criterion = Criterion(metric: .accuracy, threshold: 0.999)
        let summary = RunSummary(spec: spec, outcome: try spec.execute())
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try summary.json().utf8)) as? [String: Any])
        XCTAssertEqual(object["status"] as? String, "budget")
        XCTAssertEqual(object["censored"] as? Bool, true)
        XCTAssertTrue(object["trials_to_criterion"] is NSNull, "a censored run's trials to criterion is an explicit null")
        XCTAssertEqual(object["trials_trained"] as? Int, 48)
        XCTAssertEqual(object["budget"] as? Int, 40)
        let curve = try XCTUnwrap(object["curve"] as? [[String: Any]])
        XCTAssertEqual(curve.map { $0["trials"] as? Int }, [0, 16, 32, 48])
        XCTAssertEqual(Set(curve[0].keys), ["trials", "train_loss", "validation_loss", "validation_accuracy"])
        let settings = try XCTUnwrap(object["settings"] as? [String: Any])
        XCTAssertEqual(settings["budget_whole_batches"] as? Int, 48)
        XCTAssertEqual((settings["task_parameters"] as? [String: Any])?["T"] as? Int, 10)
        XCTAssertTrue(object.keys.allSatisfy { !$0.contains(where: \.isUppercase) }, "\(object.keys.sorted())")
        let text = summary.text(includeTime: false)
        XCTAssertTrue(text.contains("not reached within 48 trials (censored; the budget of 40 rounded up to whole batches of 16)"), text)
        XCTAssertTrue(text.contains("settings: optimizer adam, lr 0.003, clip 2; batch 16, budget 40 trials (rounded up to 48, whole batches)"), text)
    }

    // MARK: results file, report and CSV

    /// Two rules with their own optimisers (the report must show they differ), 3 seeds, one unnamed condition.
    func smallProtocol(maxTrials: Int = 96) throws -> ExperimentProtocol {
        try ProtocolParser.parse("""
            name = "small"
            rules = ["bptt", "eprop-random"]
            tasks = ["flipflop3"]
            seeds = 3
            [task-parameters]
            T = 10
            [model]
            hidden = 6
            [training]
            batch = 16
            max-trials = \(maxTrials)
            eval-every = 16
            validation-size = 16
            criterion = 0.6
            """, file: "small.toml", defaultName: "small")
    }

    func testSettingsAreStoredShownInTheReportAndBackfilledByTheMigration() throws {
        let store = try ResultsStore(path: path("s.sqlite"))
        _ = try ProtocolRunner.run(try smallProtocol(), store: store, workers: 2)
        let runs = try store.runs()
        XCTAssertEqual(runs.count, 6)
        let bptt = try XCTUnwrap(runs.first { $0.record.rule == "bptt" }?.settings)
        let eprop = try XCTUnwrap(runs.first { $0.record.rule == "eprop-random" }?.settings)
        XCTAssertEqual(bptt.learningRate, 0.003)
        XCTAssertEqual(eprop.learningRate, 0.01)
        XCTAssertEqual(eprop.ruleSettings["feedback"], .text("random"))
        XCTAssertEqual(bptt.hidden, 6)

        let written = try Report.write(store: store, to: path("report"))
        let html = try String(contentsOfFile: written[0], encoding: .utf8)
        let markdown = try String(contentsOfFile: written[1], encoding: .utf8)
        XCTAssertTrue(markdown.contains("| **learning_rate** | **0.003** | **0.01** |"), markdown)
        XCTAssertTrue(markdown.contains("| hidden | 6 | 6 |"), markdown)
        XCTAssertTrue(html.contains("<tr class=\"differs\"><td>learning_rate</td><td>0.003</td><td>0.01</td></tr>"), html)

        // A file written before the settings were stored gets them from its stored cells.
        let expected = try store.runs().map(\.settings)
        try store.queue.write { db in
            try db.execute(sql: "ALTER TABLE runs DROP COLUMN settings_json")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v8-outputs-settings'")
        }
        let reopened = try ResultsStore(path: path("s.sqlite"))
        XCTAssertEqual(try reopened.runs().map(\.settings), expected)
    }

    /// RFC 4180 fields (quotes, doubled quotes, commas inside quotes); what pandas' read_csv does.
    func readCSV(_ file: String) throws -> [[String: String]] {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true
            } else if c == "," { row.append(field); field = ""
            } else if c == "\n" { row.append(field); rows.append(row); row = []; field = ""
            } else { field.append(c) }
        }
        let header = rows.removeFirst()
        return rows.map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// docs/outputs.md's pandas snippet, step by step: groupby(["protocol", "task", "condition",
    /// "rule"]) on runs.csv, count the seeds and take the median of trials_to_criterion_or_budget;
    /// the groups, counts and medians are the report's.
    func testCSVExportReproducesTheReportsHeadlineTable() throws {
        let store = try ResultsStore(path: path("c.sqlite"))
        let experiment = try smallProtocol(maxTrials: 80)
        _ = try ProtocolRunner.run(experiment, store: store, workers: 2)
        try CSVExport.write(store: store, to: path("csv"))
        let runs = try readCSV(path("csv/runs.csv"))
        XCTAssertEqual(runs.count, 6)
        var groups: [[String]: [[String: String]]] = [:]
        for run in runs { groups[["protocol", "task", "condition", "rule"].map { run[$0] ?? "" }, default: []].append(run) }
        let report = GroupSummary.make(try store.runs(), protocols: [experiment.name: experiment])
        let expected = report.flatMap { g in g.rules.map { ([g.protocolName, g.task, "default", $0.rule], $0) } }
        XCTAssertEqual(Set(groups.keys), Set(expected.map(\.0)), "the unnamed condition is 'default', never empty")
        var sawCensored = false
        for (key, rule) in expected {
            let rows = try XCTUnwrap(groups[key])
            XCTAssertEqual(rows.count, rule.runs.count, "\(key)")
            let values = rows.map { Double($0["trials_to_criterion_or_budget"]!)! }
            XCTAssertEqual(median(values), rule.trialsToCriterion.median, "\(key)")
            XCTAssertEqual(rows.filter { $0["censored"] == "0" }.count, rule.reached)
            for row in rows where row["censored"] == "1" {
                sawCensored = true
                XCTAssertEqual(row["trials_to_criterion"], "")
                XCTAssertEqual(row["trials_to_criterion_or_budget"], row["budget"])
            }
            // The flattened settings.
            XCTAssertEqual(rows[0]["learning_rate"], key[3] == "bptt" ? "0.003" : "0.01")
            XCTAssertEqual(rows[0]["task_T"], "10")
            XCTAssertEqual(rows[0]["batch_size"], "16")
        }
        XCTAssertTrue(sawCensored, "the case the naive median gets wrong is covered")

        // Curves: every run reaches the budget in whole batches; carried points are marked.
        let curves = try readCSV(path("csv/curves.csv"))
        for run in runs {
            let points = curves.filter { $0["run_id"] == run["run_id"] }
            XCTAssertEqual(points.last?["trials"], "80", "run \(run["run_id"]!) (\(run["status"]!))")
            let carried = points.filter { $0["carried"] == "1" }
            if run["status"] == "reached", let reached = Int(run["trials_to_criterion"]!), reached < 80 {
                XCTAssertEqual(carried.first.map { Int($0["trials"]!)! }, reached + 16)
                XCTAssertEqual(carried.first?["validation_loss"], points[points.count - carried.count - 1]["validation_loss"])
            } else {
                XCTAssertTrue(carried.isEmpty)
            }
        }
    }

    // MARK: the docs' snippets in pandas and R

    /// A fenced block of docs/outputs.md in `language` that reads csv/runs.csv, as written.
    func snippet(_ language: String) throws -> String {
        let text = try String(contentsOf: TestPackage.url("docs/outputs.md"), encoding: .utf8)
        var lines = text.components(separatedBy: "\n")[...]
        while let line = lines.popFirst() {
            guard line == "```" + language else { continue }
            var body: [String] = []
            while let next = lines.popFirst(), next != "```" { body.append(next) }
            let code = body.joined(separator: "\n")
            if code.contains("csv/runs.csv") { return code + "\n" }
        }
        throw XCTSkip("docs/outputs.md has no \(language) block reading csv/runs.csv")
    }

    /// The exit status and output of `program arguments` run in this test's directory.
    func execute(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        process.currentDirectoryURL = directory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// docs/outputs.md's pandas and R snippets, run as written where pandas (the venv `make
    /// check-snippets` makes, or the system's python3) and R are installed, give the report's groups,
    /// counts and medians; skipped otherwise (make test installs nothing).
    func testTheDocsSnippetsRunInPandasAndR() throws {
        let venv = TestPackage.url(".build/snippets-venv/bin/python").path
        let python = FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3"
        let hasPandas = (try? execute(python, ["-c", "import pandas"]))?.status == 0
        let hasR = (try? execute("Rscript", ["--version"]))?.status == 0
        guard hasPandas || hasR else { throw XCTSkip("neither pandas nor R is installed (make check-snippets installs both)") }
        let store = try ResultsStore(path: path("s.sqlite"))
        let experiment = try smallProtocol(maxTrials: 80)
        _ = try ProtocolRunner.run(experiment, store: store, workers: 2)
        try CSVExport.write(store: store, to: path("csv"))
        let report = GroupSummary.make(try store.runs(), protocols: [experiment.name: experiment])
        let expected = Set(report.flatMap { g in
            g.rules.map { "\(g.protocolName),\(g.task),default,\($0.rule),\($0.runs.count),\($0.reached),\(formatNumber($0.trialsToCriterion.median))" }
        })
        var ran: [(String, String, [String])] = []
        if hasPandas {
            ran.append((python, try snippet("python") + "\ntable.reset_index().to_csv(\"table.csv\", index=False, header=False)\n", ["snippet.py"]))
        }
        if hasR { ran.append(("Rscript", try snippet("r") + "\nwrite.table(table, \"table.csv\", sep = \",\", row.names = FALSE, col.names = FALSE, quote = FALSE)\n", ["snippet.R"])) }
        for (program, code, arguments) in ran {
            try code.write(toFile: path(arguments[0]), atomically: true, encoding: .utf8)
            let result = try execute(program, arguments)
            XCTAssertEqual(result.status, 0, "\(program): \(result.output)")
            let rows = try String(contentsOfFile: path("table.csv"), encoding: .utf8).split(separator: "\n").map { line in
                // Medians print as 80.0 in pandas: the same number as the report's.
                line.split(separator: ",", omittingEmptySubsequences: false).map { field in Double(field).map(formatNumber) ?? String(field) }.joined(separator: ",")
            }
            XCTAssertEqual(Set(rows), expected, "\(program)'s table is the report's")
        }
    }

    func testChangedProtocolRefusalNamesTheKeysThatDiffer() throws {
        let store = try ResultsStore(path: path("p.sqlite"))
        _ = try ProtocolRunner.run(try smallProtocol(), store: store, workers: 2)
        XCTAssertThrowsError(try ProtocolRunner.run(try smallProtocol(maxTrials: 112), store: store, workers: 2)) { error in
            let message = (error as? InputError)?.message ?? ""
            XCTAssertTrue(message.contains("spec.training.maxTrials 96 → 112"), message)
        }
    }

    // MARK: small pieces

    func testSuggestions() {
        XCTAssertEqual(Suggestion.closest(to: "trian", in: ["tasks", "train", "grad"]), "train")
        XCTAssertEqual(Suggestion.closest(to: "--tsk", in: ["--task", "--seed"]), "--task")
        XCTAssertNil(Suggestion.closest(to: "nope", in: ["flipflop3", "n-parity"]))
        XCTAssertEqual(
            InputError.unknown("rule", "bpt", valid: ["bptt", "rflo"]).message, "unknown rule 'bpt' (did you mean 'bptt'?); valid: bptt, rflo")
    }

    func testCommandLineWords() {
        XCTAssertEqual(CommandLineWords.joiningNegativeValues(["train", "--hidden", "-5", "--gain", "2"]), ["train", "--hidden=-5", "--gain", "2"])
        XCTAssertEqual(CommandLineWords.joiningNegativeValues(["--json", "--seed", "3"]), ["--json", "--seed", "3"])
        let levels: ([String]) -> [String] = { $0.isEmpty ? ["train", "protocols"] : $0 == ["protocols"] ? ["list", "show"] : [] }
        XCTAssertEqual(
            CommandLineWords.unknownSubcommand(["trian", "--task", "x"], levels: levels),
            "plasticity: unknown command 'trian' (did you mean 'train'?); valid: train, protocols")
        XCTAssertEqual(
            CommandLineWords.unknownSubcommand(["protocols", "shwo"], levels: levels),
            "plasticity protocols: unknown command 'shwo' (did you mean 'show'?); valid: list, show")
        XCTAssertNil(CommandLineWords.unknownSubcommand(["train", "--task", "x"], levels: levels))
        XCTAssertEqual(
            CommandLineWords.unknownOption("Unknown option '--tsk'", command: ["train"], options: ["--task", "--seed"]),
            "plasticity train: unknown option '--tsk' (did you mean '--task'?); valid: the options `plasticity train --help` lists")
    }

    func testSettingsThatDoNotApplyAreErrors() throws {
        XCTAssertThrowsError(try ModelKind.plrnn.checkApplies(stated: ["activation"])) {
            XCTAssertEqual(
                "\($0)",
                "--activation: does not apply to model 'plrnn' (it uses only --hidden, --initialization, --gain); valid: leave it out, or a model it applies to (leaky)")
        }
        XCTAssertNoThrow(try ModelKind.leaky.checkApplies(stated: ["activation", "gain", "fixed-tau"]))
        XCTAssertThrowsError(try ModelKind.gru.checkApplies(stated: ["gain"]))
        XCTAssertThrowsError(try OptimizerSettings(momentum: 0.9).checkApplies(to: OptimizerConfig())) {
            XCTAssertEqual("\($0)", "momentum: applies to the sgd optimizer only (this run's is adam); valid: leave it out, or optimizer sgd")
        }
    }

    func testCompareSeedsAndRuleParameters() throws {
        XCTAssertEqual(try ExperimentProtocol.seeds(parsing: "3"), [1, 2, 3])
        XCTAssertEqual(try ExperimentProtocol.seeds(parsing: "4,9, 2"), [4, 9, 2])
        XCTAssertThrowsError(try ExperimentProtocol.seeds(parsing: "1,1"))
        XCTAssertThrowsError(try ExperimentProtocol.seeds(parsing: "0"))
        let library = try RuleLibrary()
        let settings = try library.settings(forEach: ["bptt", "eprop-random", "eprop-symmetric"], parsing: ["feedback=symmetric", "eprop-random:feedback=random"])
        XCTAssertNotNil(settings["eprop-random"]?["feedback"])
        XCTAssertNil(settings["bptt"])
        XCTAssertNotEqual(settings["eprop-random"]?["feedback"], settings["eprop-symmetric"]?["feedback"])
        XCTAssertThrowsError(try library.settings(forEach: ["bptt"], parsing: ["feedback=random"]))
    }

    func testTopLevelTaskParametersWithSeveralTasksPointToPerTaskTables() {
        XCTAssertThrowsError(try ProtocolParser.parse("""
            rules = ["bptt"]
            tasks = ["n-parity", "flipflop3"]
            [task-parameters]
            T = 50
            """, file: "p.toml", defaultName: "p")) {
            XCTAssertEqual(
                "\($0)",
                "p.toml: task-parameters.T: a number here applies to every task, and task n-parity has no parameter 'T' (n-parity: N); valid: a table per task, e.g. [task-parameters.flipflop3] T = ...")
        }
    }

    func testRuleSettingsAcceptChoiceNames() throws {
        let p = try ProtocolParser.parse("""
            rules = ["eprop-random"]
            tasks = ["flipflop3"]
            [rule-settings.eprop-random]
            feedback = "symmetric"
            """, file: "p.toml", defaultName: "p")
        XCTAssertEqual(p.cells.first?.settings?.ruleSettings["feedback"], .text("symmetric"))
    }
}
