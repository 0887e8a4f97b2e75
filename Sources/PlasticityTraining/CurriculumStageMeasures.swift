/// The network's timescales and dimensionality at one stage of a curriculum (issue 11, items 3 and
/// 5; docs/curricula.md): taken whenever N advances (single-head after each N passes, multi-head
/// when a head joins, sliding when the window moves) and at the end of a run that did not complete.
/// The curriculum loop only calls an observer (`CurriculumStageObserver`); the measuring itself is
/// PlasticityAnalysis's stream instrument (`StreamMeasurement`, docs/timescales.md).
public struct CurriculumStageMeasures: Codable, Equatable, Sendable {
    /// Index of the stage in `CurriculumResult.stages`.
    public var position: Int
    /// The stage's N (its newest N is `largestN`).
    public var lowestN: Int
    public var largestN: Int
    /// Trials trained so far, when the network was measured.
    public var trials: Int
    /// Whether the stage had passed (false: the run's last, unfinished stage, measured at the end).
    public var passed: Bool
    /// Per neuron: the single-neuron timescale the parameters give; nil for GRU and LSTM.
    public var tau: [Double]?
    /// Per neuron: the network timescale from the autocorrelation (NaN where both fits failed).
    public var tauNet: [Double]
    /// Per neuron: the selected fit ("single", "double" or "failed").
    public var fits: [String]
    /// Median over stream trials of the PCA components for `varianceFraction` of the variance, and of the participation ratio.
    public var dimension: Double
    public var participationRatio: Double
    public var varianceFraction: Double

    public init(
        position: Int, lowestN: Int, largestN: Int, trials: Int, passed: Bool, tau: [Double]?, tauNet: [Double], fits: [String],
        dimension: Double, participationRatio: Double, varianceFraction: Double
    ) {
        self.position = position
        self.lowestN = lowestN
        self.largestN = largestN
        self.trials = trials
        self.passed = passed
        self.tau = tau
        self.tauNet = tauNet
        self.fits = fits
        self.dimension = dimension
        self.participationRatio = participationRatio
        self.varianceFraction = varianceFraction
    }

    /// Neurons whose fits both failed (dropped from the tau_net quartiles).
    public var failedFits: Int { tauNet.filter { !$0.isFinite }.count }
    /// Lower quartile, median and upper quartile of the finite tau_net.
    public var tauNetQuartiles: (q1: Double, median: Double, q3: Double) { Self.quartiles(tauNet) }
    /// The same for tau (nil for models without one).
    public var tauQuartiles: (q1: Double, median: Double, q3: Double)? { tau.map(Self.quartiles) }

    static func quartiles(_ x: [Double]) -> (q1: Double, median: Double, q3: Double) {
        let finite = x.filter(\.isFinite)
        return (Statistics.quantile(finite, 0.25), Statistics.quantile(finite, 0.5), Statistics.quantile(finite, 0.75))
    }
}

/// Measures the network at a stage (the trained model, the stage, its position in the result's
/// stages, the trials so far); nil: not measured (measuring off, or it failed).
public typealias CurriculumStageObserver = (_ model: any RecurrentModel, _ stage: CurriculumStage, _ position: Int, _ trials: Int) -> CurriculumStageMeasures?
