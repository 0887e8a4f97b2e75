import ArgumentParser
import CPUGuard
import Foundation
import Plasticity

/// The `plasticity` command. Thin: parses options, calls the library, prints.
/// Bad input of any kind ends with one line on stderr and exit status 2; a write that fails while it
/// runs (a full disk) with one line and status 74 (`WriteFailure`).
@main
struct PlasticityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plasticity",
        abstract: "Compare biologically plausible learning rules for recurrent networks with BPTT.",
        version: PlasticityVersion.current,
        subcommands: [
            TasksCommand.self, RulesCommand.self, TrainCommand.self, GradCommand.self, BenchCommand.self,
            RunCommand.self, ProtocolsCommand.self, SweepCommand.self, MergeCommand.self, StatusCommand.self, CompareCommand.self, ReportCommand.self, PredictCommand.self, ExportCommand.self, AblateCommand.self, PerturbCommand.self,
            TimescalesCommand.self, SimulateCommand.self,
        ])

    static func main() {
        // Links CPUGuard, whose check of the CPU's vector units ran before main (a constructor).
        _ = plasticity_build_requires_avx2_fma()
        let words = CommandLineWords.joiningNegativeValues(Array(CommandLine.arguments.dropFirst()))
        if let line = CommandLineWords.unknownSubcommand(words, levels: { subcommandNames(below: $0) }) { exitWithInputError(line) }
        let selected = commandPath(words)
        if let line = CommandLineWords.firstUnknownOption(
            Array(words.dropFirst(selected.names.count)), command: selected.names,
            options: CommandLineWords.longOptions(inHelp: helpMessage(for: selected.type)))
        {
            exitWithInputError(line)
        }
        do {
            var command = try parseAsRoot(words)
            try command.run()
        } catch let error as InputError {
            exitWithInputError(error.description)
        } catch let error as WriteFailure {
            exitWithError(error.description, status: WriteFailure.exitStatus)
        } catch let error as CleanExit {
            exit(withError: error)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            // Usage errors from the argument parser: one line, status 2 (not ArgumentParser's 64).
            let message = fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            let path = commandPath(words)
            if let line = CommandLineWords.unknownOption(
                message.replacingOccurrences(of: "Error: ", with: ""), command: path.names,
                options: CommandLineWords.longOptions(inHelp: helpMessage(for: path.type)))
            {
                exitWithInputError(line)
            }
            if code == .validationFailure { exitWithInputError(UsageErrorLine.rewrite(message.replacingOccurrences(of: "Error: ", with: ""))) }
            exitWithError(message, status: code.rawValue)
        }
    }
}

extension PlasticityCommand {
    /// The subcommand names below a path of names (`[]`: the root's).
    static func subcommandNames(below path: [String]) -> [String] {
        var type: any ParsableCommand.Type = PlasticityCommand.self
        for name in path {
            guard let next = type.configuration.subcommands.first(where: { $0._commandName == name }) else { return [] }
            type = next
        }
        return type.configuration.subcommands.map { $0._commandName }
    }

    /// The subcommand the words select, and its names.
    static func commandPath(_ words: [String]) -> (names: [String], type: any ParsableCommand.Type) {
        var type: any ParsableCommand.Type = PlasticityCommand.self, names: [String] = []
        for word in words {
            guard let next = type.configuration.subcommands.first(where: { $0._commandName == word }) else { break }
            type = next
            names.append(word)
        }
        return (names, type)
    }
}

/// "resume with: plasticity run ..." — the command line as given (a protocol run skips stored cells).
func resumeHint() -> String { ResumeCommand.line(CommandLine.arguments) }

func exitWithInputError(_ line: String) -> Never { exitWithError(line, status: 2) }

/// "error: LINE" on stderr and the exit status (2 bad input, 74 a failed write, the parser's own otherwise).
func exitWithError(_ line: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("error: \(line)\n".utf8))
    Foundation.exit(status)
}
