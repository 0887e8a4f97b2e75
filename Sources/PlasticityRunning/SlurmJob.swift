import Foundation

/// A protocol sweep as a SLURM job array (`plasticity sweep --emit slurm`, docs/cluster.md): array
/// task i of K runs shard i/K of the protocol's cells (`plasticity run --cells i/K`) into its own
/// results file; `plasticity merge` joins the files afterwards.
public struct SlurmJob: Sendable {
    public var experiment: ExperimentProtocol
    /// The protocol's text, copied into the job folder so the job runs what was submitted.
    public var protocolText: String
    /// The copy's file name (the original base name, so the protocol keeps its default name).
    public var protocolFileName: String
    /// Array tasks K (default: one per cell, at most `maxTasks`).
    public var tasks: Int?
    /// Workers (and CPUs) per array task.
    public var cpusPerTask = 1
    /// --time, e.g. "2:00:00" (nil: the partition's default).
    public var time: String?
    public var partition: String?
    /// Results files are "<dbPrefix>-<i>.sqlite" (default: "<out>/part").
    public var dbPrefix: String?
    /// The `plasticity` binary the job runs (absolute; $PLASTICITY overrides it at run time).
    public var binary: String
    /// A results file each array task copies as the start of its own (when that does not exist yet):
    /// the merged first array of a protocol that needs every shard to see earlier results, e.g. the
    /// selection runs of a `[sweep]` table.
    public var startFrom: String?
    /// Where each array task starts, so rule files named by relative path resolve as they did here.
    public var workingDirectory = FileManager.default.currentDirectoryPath

    /// SLURM's default MaxArraySize is 1001 (indices 0...1000).
    public static let maxTasks = 1001
    public static let scriptName = "sweep.sbatch"

    public init(experiment: ExperimentProtocol, protocolText: String, protocolFileName: String, binary: String) {
        self.experiment = experiment
        self.protocolText = protocolText
        self.protocolFileName = protocolFileName
        self.binary = binary
    }

    /// What `write` produced: the script's path, the array size and the memory request.
    public struct Written: Equatable, Sendable {
        public var script: String
        public var tasks: Int
        public var memoryMiB: Int
        public var cells: Int
        public var dbPattern: String
    }

    /// Checks the options (one InputError line) and returns K.
    func arraySize() throws -> Int {
        let cells = experiment.cells.count
        let k = tasks ?? min(cells, SlurmJob.maxTasks)
        guard (1...min(cells, SlurmJob.maxTasks)).contains(k) else {
            throw InputError.outOfRange("tasks", Double(k), range: "1...\(min(cells, SlurmJob.maxTasks)) (the protocol has \(cells) cells)", key: "--tasks")
        }
        guard (1...256).contains(cpusPerTask) else { throw InputError.outOfRange("cpus", Double(cpusPerTask), range: "1...256", key: "--cpus") }
        if let time, time.isEmpty || !time.allSatisfy({ $0.isNumber || $0 == ":" || $0 == "-" }) {
            throw InputError.invalid("'\(time)' is not a SLURM time; valid: minutes, H:MM:SS or D-HH:MM:SS", key: "--time")
        }
        if let partition, partition.isEmpty || partition.contains(where: { $0.isWhitespace || $0 == "'" || $0 == "\"" }) {
            throw InputError.invalid("'\(partition)' is not a partition name", key: "--partition")
        }
        return k
    }

    /// Writes the protocol copy and the job script into `directory` (created if missing).
    public func write(to directory: String, tasks registry: TaskRegistry = .standard) throws -> Written {
        try experiment.validate(tasks: registry, memoryLimit: nil)  // the nodes' memory, not this machine's: --mem asks for it
        let k = try arraySize()
        let start = startFrom.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        if let start, !FileManager.default.fileExists(atPath: start) { throw InputError.invalid("no such file", file: startFrom, key: "--start-from") }
        let out = URL(fileURLWithPath: directory).standardizedFileURL.path
        let prefix = dbPrefix.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? out + "/part"
        let cells = experiment.cells
        // Every array task runs the same script, so the request covers the largest slice's largest cells.
        let memory = MemoryEstimate.requestMiB(cells: cells, workers: min(cpusPerTask, (cells.count + k - 1) / k), tasks: registry)
        try Directory.create(out)
        try Directory.createParent(of: prefix + "-0.sqlite")
        let protocolPath = out + "/" + protocolFileName
        try AtomicFile.write(Data(protocolText.utf8), to: protocolPath)
        let script = out + "/" + SlurmJob.scriptName
        try AtomicFile.write(Data(scriptText(k: k, memoryMiB: memory, out: out, protocolPath: protocolPath, prefix: prefix, start: start).utf8), to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        return Written(script: script, tasks: k, memoryMiB: memory, cells: cells.count, dbPattern: prefix + "-*.sqlite")
    }

    func scriptText(k: Int, memoryMiB: Int, out: String, protocolPath: String, prefix: String, start: String? = nil) -> String {
        func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        var lines = [
            "#!/bin/bash",
            "# Protocol '\(experiment.name)': \(experiment.cells.count) cells in \(k) array tasks; task i runs cells i, i+\(k), ...",
            "# Written by plasticity sweep --emit slurm. Submit: sbatch \(out)/\(SlurmJob.scriptName)",
            "# Then: plasticity merge \(prefix)-*.sqlite --db results.sqlite; plasticity status results.sqlite",
            "# --mem: the estimate of docs/cluster.md for \(cpusPerTask) cell(s) at once, with its margin.",
            "#SBATCH --job-name=plasticity-\(experiment.name.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })",
            "#SBATCH --array=0-\(k - 1)",
            "#SBATCH --ntasks=1",
            "#SBATCH --cpus-per-task=\(cpusPerTask)",
            "#SBATCH --mem=\(memoryMiB)M",
        ]
        if let time { lines.append("#SBATCH --time=\(time)") }
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        lines += [
            "#SBATCH --output=\(out)/slurm-%A_%a.out",
            "set -euo pipefail",
            "PLASTICITY=\"${PLASTICITY:-\(binary)}\"",
            "cd \(quoted(workingDirectory))",
            "i=\"${SLURM_ARRAY_TASK_ID:?run this script with sbatch (an array task)}\"",
        ]
        if let start { lines.append("[ -e \(quoted(prefix))\"-$i.sqlite\" ] || cp \(quoted(start)) \(quoted(prefix))\"-$i.sqlite\"") }
        lines += [
            "exec \"$PLASTICITY\" run \(quoted(protocolPath)) --cells \"$i/\(k)\" --db \(quoted(prefix))\"-$i.sqlite\" --workers \(cpusPerTask)",
            "",
        ]
        return lines.joined(separator: "\n")
    }
}
