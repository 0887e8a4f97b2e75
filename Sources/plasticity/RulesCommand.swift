import ArgumentParser
import Plasticity

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List the learning rules (id, locality, hyperparameters) and the rule configurations (shipped, $PLASTICITY_RULES_DIR, --rules-dir).")

    @OptionGroup var directories: RulesDirectoryOptions

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Print the Markdown tables of the docs (rule files, implementations, modifiers) between their `make doc-tables` markers.")
    var markdown = false

    func run() throws {
        let library = try directories.library()
        if markdown {
            print(RuleCatalog.markdownTables(library).map(\.block).joined(separator: "\n\n"))
        } else {
            print(json ? try RuleCatalog.json(library) : RuleCatalog.text(library))
        }
    }
}
