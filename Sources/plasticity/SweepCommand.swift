import ArgumentParser
import Foundation
import Plasticity

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Write a protocol as a cluster job: a SLURM job array whose tasks each run a slice of the cells into their own results file.")

    @Argument(help: "Protocol file (TOML) or shipped protocol name.")
    var protocolFile: String

    @Option(help: "Job kind: slurm.")
    var emit: String

    @Option(help: "Output directory for the job script and the protocol's copy (created if missing).")
    var out: String

    @Option(help: "Array tasks K (default: one per cell, at most 1001).")
    var tasks: Int?

    @Option(help: "CPUs (and workers) per array task.")
    var cpus: Int = 1

    @Option(help: "SLURM --time limit per array task, e.g. 2:00:00 (default: the partition's).")
    var time: String?

    @Option(help: "SLURM partition (default: the cluster's default).")
    var partition: String?

    @Option(name: .customLong("db-prefix"), help: "Results files PREFIX-i.sqlite (default: OUT/part).")
    var dbPrefix: String?

    @Option(name: .customLong("start-from"), help: "Results file each array task copies as the start of its own (e.g. the merged selection runs of a [sweep] protocol; use a new --out).")
    var startFrom: String?

    @Option(name: .customLong("max-memory"), help: "The nodes' memory per array task, e.g. 16G: cells whose estimate exceeds it are refused (default: no check; --mem asks for the estimate).")
    var maxMemory: String?

    func run() throws {
        guard emit == "slurm" else { throw InputError.unknown("job kind", emit, valid: ["slurm"], key: "--emit") }
        let limit = try maxMemory.map { try MemoryLimit.parse($0) }
        let loaded = try ProtocolLibrary.load(protocolFile)
        if let limit {
            try loaded.experiment.validate(memoryLimit: limit)
            try MemoryEstimate.check(
                loaded.experiment.selectionCells + loaded.experiment.cells, workers: cpus, limit: limit, file: "protocol \(loaded.experiment.name)")
        }
        let binary = Bundle.main.executableURL?.resolvingSymlinksInPath().path ?? CommandLine.arguments[0]
        var job = SlurmJob(experiment: loaded.experiment, protocolText: loaded.text, protocolFileName: loaded.fileName, binary: binary)
        job.tasks = tasks
        job.cpusPerTask = cpus
        job.time = time
        job.partition = partition
        job.dbPrefix = dbPrefix
        job.startFrom = startFrom
        let written = try job.write(to: out)
        print("\(loaded.experiment.name): \(written.cells) cells in \(written.tasks) array tasks, --mem=\(written.memoryMiB)M each")
        print("submit:  sbatch \(written.script)")
        print("then:    plasticity merge \(written.dbPattern) --db results.sqlite")
    }
}
