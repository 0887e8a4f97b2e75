import Foundation

/// `plasticity timescales` output: a few lines a reader takes in at once, or JSON for scripts
/// (snake_case keys; NaN, where a fit failed, as null).
public enum StreamMeasuresText {
    public static func text(_ m: StreamMeasures, options: StreamMeasureOptions, network: String) -> String {
        func short(_ x: Double) -> String { String(format: "%.3g", x) }
        func quartiles(_ x: [Double]) -> String {
            guard !x.isEmpty else { return "none" }
            return "median \(short(Statistics.median(x))) [quartiles \(short(Statistics.quantile(x, 0.25))), \(short(Statistics.quantile(x, 0.75)))] over \(x.count) neurons"
        }
        let counts = DecayModel.allCases.map { model in m.fits.filter { $0.model == model }.count }
        var lines = [
            "\(network): \(m.tauNet.count) neurons on a Bernoulli stream, \(options.trials) trials × \(options.steps) steps "
                + "(\(options.discard) discarded before each segment of \(options.segment)), AC fitted at lags 0–\(options.maxLag)",
        ]
        if let tau = m.intrinsicTau {
            lines.append("single-neuron tau   \(quartiles(tau.filter(\.isFinite)))")
        } else {
            lines.append("single-neuron tau   none (the gates set a state-dependent leak)")
        }
        lines.append("tau_net             \(quartiles(m.finiteTauNet))")
        lines.append("fits                \(counts[0]) single, \(counts[1]) double, \(counts[2]) failed (dropped); \(options.selection == .aic ? "plain AIC" : "guarded AIC") selection")
        lines.append("population tau_net  \(m.populationFit.model == .failed ? "fit failed" : "\(short(m.populationFit.tau)) (\(m.populationFit.model.rawValue))")")
        lines.append("dimension           median \(formatNumber(m.medianDimension)) PCs for \(formatNumber(100 * m.varianceFraction))% of the variance "
            + "(per trial: \(m.dimension.map(String.init).joined(separator: ", ")))")
        lines.append("participation ratio median \(short(m.medianParticipationRatio))")
        return lines.joined(separator: "\n")
    }

    struct Summary: Encodable {
        var tauNet: [Double?]
        var fitModel: [String]
        var intrinsicTau: [Double?]?
        var populationTauNet: Double?
        var populationFitModel: String
        var dimension: [Int]
        var participationRatio: [Double]
        var varianceFraction: Double
        var failedFits: Int
        var autocorrelation: [[Double?]]
        var populationAutocorrelation: [Double?]
        var options: StreamMeasureOptions
    }

    public static func json(_ m: StreamMeasures, options: StreamMeasureOptions) throws -> String {
        func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
        let summary = Summary(
            tauNet: m.tauNet.map(finite), fitModel: m.fits.map(\.model.rawValue), intrinsicTau: m.intrinsicTau.map { $0.map(finite) },
            populationTauNet: finite(m.populationFit.tau), populationFitModel: m.populationFit.model.rawValue,
            dimension: m.dimension, participationRatio: m.participationRatio, varianceFraction: m.varianceFraction,
            failedFits: m.failedFits, autocorrelation: m.autocorrelation.map { $0.map(finite) },
            populationAutocorrelation: m.populationAutocorrelation.map(finite), options: options)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(summary), as: UTF8.self)
    }
}
