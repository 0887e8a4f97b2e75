import Foundation

public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    case adam
    case sgd
}

public struct OptimizerConfig: Codable, Equatable, Sendable {
    public var kind: OptimizerKind = .adam
    public var learningRate: Double = 1e-3
    /// SGD momentum (0 = plain SGD).
    public var momentum: Double = 0
    public var nesterov = false
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var epsilon = 1e-8
    /// Rescale the update direction to at most this L2 norm (nil: no clipping).
    public var clipNorm: Double? = nil

    public init() {}
}

/// Turns an update direction (a gradient estimate) into a parameter step. Shared by all rules.
public struct Optimizer: Sendable {
    public let config: OptimizerConfig
    var first: [Double]
    var second: [Double]
    public private(set) var steps = 0

    public init(config: OptimizerConfig, parameterCount: Int) {
        self.config = config
        first = [Double](repeating: 0, count: parameterCount)
        second = config.kind == .adam ? [Double](repeating: 0, count: parameterCount) : []
    }

    /// What a training checkpoint saves: the moments and the step count (the configuration is the run's).
    public struct State: Codable, Equatable, Sendable {
        public var first: [Double]
        public var second: [Double]
        public var steps: Int
    }

    public var state: State {
        get { State(first: first, second: second, steps: steps) }
        set {
            first = newValue.first
            second = newValue.second
            steps = newValue.steps
        }
    }

    /// Clips `direction` in place (when configured) and applies one step to `parameters`.
    /// Returns the direction's norm before clipping (non-finite: nothing was applied).
    @discardableResult
    public mutating func apply(_ direction: inout [Double], to parameters: inout [Double]) -> Double {
        precondition(direction.count == parameters.count && direction.count == first.count)
        var norm = 0.0
        for g in direction { norm += g * g }
        norm = norm.squareRoot()
        // A non-finite direction is a diverged run: leave the parameters as they were.
        guard norm.isFinite else { return norm }
        if let clip = config.clipNorm, norm > clip {
            let s = clip / norm
            for i in direction.indices { direction[i] *= s }
        }
        steps += 1
        let lr = config.learningRate
        switch config.kind {
        case .sgd:
            let mu = config.momentum
            for i in parameters.indices {
                let g = direction[i]
                if mu == 0 {
                    parameters[i] -= lr * g
                } else {
                    first[i] = mu * first[i] + g
                    parameters[i] -= lr * (config.nesterov ? g + mu * first[i] : first[i])
                }
            }
        case .adam:
            let b1 = config.beta1, b2 = config.beta2
            let c1 = 1 - pow(b1, Double(steps)), c2 = 1 - pow(b2, Double(steps))
            for i in parameters.indices {
                let g = direction[i]
                first[i] = b1 * first[i] + (1 - b1) * g
                second[i] = b2 * second[i] + (1 - b2) * g * g
                parameters[i] -= lr * (first[i] / c1) / ((second[i] / c2).squareRoot() + config.epsilon)
            }
        }
        return norm
    }
}
