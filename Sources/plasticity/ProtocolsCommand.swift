import ArgumentParser
import Plasticity

struct ProtocolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocols",
        abstract: "List the shipped protocols; show one, or write it out as a starting point for your own.",
        subcommands: [List.self, Show.self, Write.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the shipped protocols (name, description, cells).")

        @Flag(help: "Print the protocol and rule-file key reference as Markdown tables instead (docs/protocols.md, make doc-tables).")
        var markdown = false

        func run() throws {
            if markdown {
                print(ProtocolKeysMarkdown.tables().map(\.block).joined(separator: "\n\n"))
            } else {
                print(try ProtocolLibrary.listing())
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a shipped protocol's file.")

        @Argument(help: "Shipped protocol name (see `plasticity protocols`).")
        var name: String

        func run() throws { print(try ProtocolLibrary.shipped(named: name).text, terminator: "") }
    }

    struct Write: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "write", abstract: "Write a shipped protocol to a file (never overwrites).")

        @Argument(help: "Shipped protocol name (see `plasticity protocols`).")
        var name: String

        @Option(help: "Output file (default: NAME.toml in the current directory).")
        var out: String?

        func run() throws {
            let path = out ?? name + ".toml"
            try ProtocolLibrary.write(name, to: path)
            print(path)
        }
    }
}
