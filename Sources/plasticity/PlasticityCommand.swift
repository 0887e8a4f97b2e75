import ArgumentParser
import Foundation
import Plasticity

/// The `plasticity` command. Thin: parses options, calls the library, prints.
/// Bad input of any kind ends with one line on stderr and exit status 2.
@main
struct PlasticityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plasticity",
        abstract: "Compare biologically plausible learning rules for recurrent networks with BPTT.",
        subcommands: [
            TasksCommand.self, RulesCommand.self, TrainCommand.self, GradCommand.self, BenchCommand.self,
            RunCommand.self, ProtocolsCommand.self, SweepCommand.self, MergeCommand.self, StatusCommand.self, CompareCommand.self, ReportCommand.self, ExportCommand.self, AblateCommand.self, PerturbCommand.self,
            TimescalesCommand.self, SimulateCommand.self,
        ])

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as InputError {
            exitWithInputError(error.description)
        } catch let error as CleanExit {
            exit(withError: error)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            // Usage errors from the argument parser: one line, status 2 (not ArgumentParser's 64).
            let message = fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            if code == .validationFailure { exitWithInputError(UsageErrorLine.rewrite(message.replacingOccurrences(of: "Error: ", with: ""))) }
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}

/// "resume with: plasticity run ..." — the command line as given (a protocol run skips stored cells).
func resumeHint() -> String {
    let words = CommandLine.arguments.map { $0.isEmpty || $0.contains(where: { " '\"$\\".contains($0) }) ? "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" : $0 }
    return "resume with: " + (["plasticity"] + words.dropFirst()).joined(separator: " ")
}

func exitWithInputError(_ line: String) -> Never {
    FileHandle.standardError.write(Data("error: \(line)\n".utf8))
    Foundation.exit(2)
}
