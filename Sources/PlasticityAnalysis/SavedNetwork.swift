import Foundation

/// A trained network on disk (JSON): what it was trained on and its weights, enough to rebuild
/// the model and its task for `ablate`, `perturb` and later analyses.
public struct SavedNetwork: Codable, Equatable, Sendable {
    public static let currentFormat = 1
    public var format: Int
    public var task: String
    public var taskParameters: [String: Double]
    public var rule: String
    public var seed: UInt64
    public var model: ModelSpec
    public var parameters: [Double]
    /// How training ended and against which criterion (nil in files saved before they were kept).
    public var status: RunStatus?
    public var criterion: String?

    public init(spec: RunSpec, model: any RecurrentModel, status: RunStatus? = nil) {
        format = SavedNetwork.currentFormat
        task = spec.task
        taskParameters = spec.taskParameters
        rule = spec.rule
        seed = spec.seed
        self.model = spec.model
        parameters = model.parameters
        self.status = status
        let c = spec.training.criterion
        criterion = status == nil ? nil : "validation \(c.metric.rawValue) \(c.metric == .accuracy ? ">=" : "<=") \(formatNumber(c.threshold))"
    }

    /// The warning `ablate` and `perturb` print for a network that never reached its criterion:
    /// its robustness is that of an untrained (or half-trained) network.
    public func criterionWarning(file: String) -> String? {
        guard let status, status != .reached else { return nil }
        let how = status == .diverged ? "diverged" : "used its budget"
        return "warning: \(file): the saved network never reached its criterion (\(criterion ?? "?")); training \(how), so these curves describe a network that did not learn the task"
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: path)
    }

    public static func load(from path: String) throws -> SavedNetwork {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError.invalid("no such file", file: path)
        }
        let saved: SavedNetwork
        do {
            saved = try JSONDecoder().decode(SavedNetwork.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw InputError.invalid("missing key; valid: a network written by `plasticity train --save`", file: path, key: key.stringValue)
        } catch let error as DecodingError {
            throw InputError.invalid("not a saved network (\(DecodingErrorLine.describe(error))); valid: a file written by `plasticity train --save`", file: path)
        } catch {
            throw InputError.invalid("not a saved network (malformed JSON); valid: a file written by `plasticity train --save`", file: path)
        }
        guard saved.format == currentFormat else {
            throw InputError.outOfRange("format", Double(saved.format), range: "\(currentFormat)", file: path)
        }
        return saved
    }

    /// The task and the model with its trained weights.
    public func rebuild(tasks: TaskRegistry = .standard, file: String? = nil) throws -> (task: any Task, model: any RecurrentModel) {
        let task = try tasks.make(self.task, parameters: taskParameters, file: file)
        try model.validate(file: file)
        let network: any RecurrentModel
        do {
            network = try model.makeModel(inputSize: task.inputSize, outputSize: task.outputSize, parameters: parameters)
        } catch let error as InputError where file != nil && !error.message.hasPrefix(file! + ": ") {
            throw InputError("\(file!): \(error.message)")
        }
        return (task, network)
    }
}
