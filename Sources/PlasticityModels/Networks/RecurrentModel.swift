/// What the forward pass leaves behind for the backward pass and for analyses and local rules.
/// Buffers are allocated once for a capacity of steps and reused: nothing is allocated in the time loop.
public struct Trajectory: Sendable {
    /// h_0 ... h_T: (T+1, B, N). For the PLRNN, the latent state z.
    public var states: Tensor3
    /// a_1 ... a_T: (T, B, N), the argument of the nonlinearity.
    public var preactivations: Tensor3
    /// f(a_1) ... f(a_T): (T, B, N).
    public var activations: Tensor3
    /// y_1 ... y_T: (T, B, out).
    public var outputs: Tensor3
    /// Scratch for the backward pass, 4 × (B × N).
    public var scratch: [Double]
    /// Backward-pass buffer (T, B, N): dL/dh from the readout for all steps at once, then
    /// overwritten step by step with dL/da, so weight gradients are one large gemm each.
    public var backwardBuffer: Tensor3

    public var steps: Int { outputs.steps }
    public var batch: Int { outputs.batch }

    public init(capacity steps: Int, batch: Int, hidden: Int, outputs out: Int) {
        states = Tensor3(steps: steps + 1, batch: batch, width: hidden)
        preactivations = Tensor3(steps: steps, batch: batch, width: hidden)
        activations = Tensor3(steps: steps, batch: batch, width: hidden)
        outputs = Tensor3(steps: steps, batch: batch, width: out)
        scratch = [Double](repeating: 0, count: 4 * batch * hidden)
        backwardBuffer = Tensor3(steps: steps, batch: batch, width: hidden)
    }

    /// Uses `steps` of the capacity (grows only if a longer batch arrives).
    public mutating func prepare(steps: Int) {
        states.resize(steps: steps + 1)
        preactivations.resize(steps: steps)
        activations.resize(steps: steps)
        outputs.resize(steps: steps)
        backwardBuffer.resize(steps: steps)
    }
}

/// Which recurrent model; the CLI and protocol files name models by these ids.
public enum ModelKind: String, CaseIterable, Codable, Sendable {
    case leaky
    case plrnn
    case gru
    case lstm
}

/// A recurrent network whose state and parameters are plain values; the step is a pure
/// function of (state, input, parameters). Parameters live in one flat buffer described by `layout`.
public protocol RecurrentModel: Sendable {
    var kind: ModelKind { get }
    var inputSize: Int { get }
    var hiddenSize: Int { get }
    var outputSize: Int { get }
    var layout: ParameterLayout { get }
    var parameters: [Double] { get set }

    /// Runs the whole batch (inputs: T × B × in) and fills `trajectory` (prepared for T steps).
    /// `noise`, when given, is added inside the dynamics (node perturbation, state-noise robustness).
    func forward(_ inputs: Tensor3, noise: ForwardNoise?, into trajectory: inout Trajectory)

    /// Exact gradient of a loss whose derivative w.r.t. the outputs is `outputGradient` (T × B × out)
    /// and, optionally, w.r.t. the states h_1...h_T directly (`stateGradient`, (T+1) × B × N, slice 0 unused),
    /// through the whole trial, or cut every `truncation` steps (truncated BPTT).
    /// Overwrites `gradient` (size layout.count).
    func backward(
        _ trajectory: inout Trajectory, inputs: Tensor3, outputGradient: Tensor3,
        stateGradient: Tensor3?, truncation: Int?, into gradient: inout [Double])

    /// Keeps constrained parameters valid after an update (e.g. no self-connections).
    mutating func project()

    /// Flat indices held fixed (e.g. the recurrent diagonal without self-connections, tau when not
    /// trained): their gradient is reported as 0 and `project()` restores them.
    var frozenIndices: [Int] { get }
}

/// Additive noise injected into a forward pass, each (T × B × N) and optional:
/// `preactivation` is added to a_t before the nonlinearity (node perturbation, Fiete & Seung 2006);
/// `state` is added to h_t after the update, so it propagates (state-noise perturbation analysis).
/// `initialState` (B × N, row-major) replaces h_0 = 0: the ICLR 2024 recipe draws h_0 = 0.1·U(0, 1)
/// per trial (`ModelSpec.initialStateScale`); the backward passes read h_0 from the trajectory, so
/// their gradients stay exact.
public struct ForwardNoise: Sendable {
    public var preactivation: Tensor3?
    public var state: Tensor3?
    public var initialState: [Double]?
    public init(preactivation: Tensor3? = nil, state: Tensor3? = nil, initialState: [Double]? = nil) {
        self.preactivation = preactivation
        self.state = state
        self.initialState = initialState
    }

    /// `noise` (possibly nil) with the batch's initial state added (nil when neither has anything).
    public static func merging(_ noise: ForwardNoise?, initialState: [Double]?) -> ForwardNoise? {
        guard let initialState else { return noise }
        var merged = noise ?? ForwardNoise()
        merged.initialState = initialState
        return merged
    }

    /// Writes h_0: the initial state, or zeros.
    func writeInitialState(_ states: UnsafeMutablePointer<Double>, count: Int) {
        guard let initialState else {
            for i in 0..<count { states[i] = 0 }
            return
        }
        precondition(initialState.count == count, "the initial state must be B × N")
        for i in 0..<count { states[i] = initialState[i] }
    }
}

extension Optional where Wrapped == ForwardNoise {
    /// h_0 from the noise's initial state, or zeros when there is none.
    func writeInitialState(_ states: UnsafeMutablePointer<Double>, count: Int) {
        guard let noise = self else {
            for i in 0..<count { states[i] = 0 }
            return
        }
        noise.writeInitialState(states, count: count)
    }
}

extension RecurrentModel {
    /// The noiseless forward pass.
    public func forward(_ inputs: Tensor3, into trajectory: inout Trajectory) {
        forward(inputs, noise: nil, into: &trajectory)
    }

    public func makeTrajectory(capacity steps: Int, batch: Int) -> Trajectory {
        Trajectory(capacity: steps, batch: batch, hidden: hiddenSize, outputs: outputSize)
    }

    public func group(_ name: String) -> [Double] { Array(parameters[layout[name].range]) }

    /// The start of every `backward`: `outputGradient` must match the inputs and the readout; `gradient`
    /// is sized to the layout and zeroed.
    package func beginGradient(inputs: Tensor3, outputGradient dY: Tensor3, into gradient: inout [Double]) {
        precondition(dY.steps == inputs.steps && dY.batch == inputs.batch && dY.width == outputSize)
        if gradient.count != layout.count { gradient = [Double](repeating: 0, count: layout.count) }
        for i in gradient.indices { gradient[i] = 0 }
    }
}

/// What every model's configuration states: the sizes, and how a `ModelSpec` maps onto it.
public protocol ModelConfig: Codable, Equatable, Sendable {
    var inputSize: Int { get }
    var hiddenSize: Int { get }
    var outputSize: Int { get }
    init(inputSize: Int, hiddenSize: Int, outputSize: Int)
    /// The configuration `spec` describes for these sizes (by default only the hidden size applies).
    init(spec: ModelSpec, inputSize: Int, outputSize: Int)
}

extension ModelConfig {
    public init(spec: ModelSpec, inputSize: Int, outputSize: Int) {
        self.init(inputSize: inputSize, hiddenSize: spec.hidden, outputSize: outputSize)
    }
}

/// A model built from a configuration: its sizes are the configuration's and its parameter layout
/// a function of it, so these are written once here rather than in every model.
public protocol ConfiguredModel: RecurrentModel {
    associatedtype Config: ModelConfig
    var config: Config { get }
    static func makeLayout(_ config: Config) -> ParameterLayout
    /// A network with parameters drawn from `rng` (the run's init stream).
    init(config: Config, rng: RandomSource)
}

extension ConfiguredModel {
    public var inputSize: Int { config.inputSize }
    public var hiddenSize: Int { config.hiddenSize }
    public var outputSize: Int { config.outputSize }

    /// A network described by `spec` (`Config.init(spec:inputSize:outputSize:)` says which of its settings apply).
    public init(spec: ModelSpec, inputSize: Int, outputSize: Int, rng: RandomSource) {
        self.init(config: Config(spec: spec, inputSize: inputSize, outputSize: outputSize), rng: rng)
    }

    /// Nothing constrained, unless the model says otherwise.
    public mutating func project() {}
    public var frozenIndices: [Int] { [] }
}

extension ParameterLayout {
    /// `parameters` for a model of this layout (e.g. loaded from a file), which must fit it.
    public func fitting(_ parameters: [Double]) -> [Double] {
        precondition(parameters.count == count, "parameter count does not match the layout")
        return parameters
    }
}
