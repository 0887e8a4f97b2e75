import Foundation

/// The rate nonlinearity f of a leaky RNN.
public enum Activation: String, CaseIterable, Codable, Sendable {
    case leakyRelu = "leaky-relu"
    case relu
    case tanh
    case sigmoid

    /// Slope of leaky-ReLU for a < 0 (0.01, as in Khajehabdollahi et al. 2024).
    public static let leakySlope = 0.01

    @inlinable
    public func value(_ a: Double) -> Double {
        switch self {
        case .leakyRelu: return a > 0 ? a : Activation.leakySlope * a
        case .relu: return a > 0 ? a : 0
        case .tanh: return Foundation.tanh(a)
        case .sigmoid: return 1 / (1 + Foundation.exp(-a))
        }
    }

    /// f'(a), given a and f(a) (saves recomputing tanh/sigmoid).
    @inlinable
    public func derivative(_ a: Double, value fa: Double) -> Double {
        switch self {
        case .leakyRelu: return a > 0 ? 1 : Activation.leakySlope
        case .relu: return a > 0 ? 1 : 0
        case .tanh: return 1 - fa * fa
        case .sigmoid: return fa * (1 - fa)
        }
    }
}
