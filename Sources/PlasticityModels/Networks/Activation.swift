import Foundation

/// The rate nonlinearity f of a leaky RNN. tanh is `FastTanh` (within 1e-15 of libm's, and the same
/// value whether computed alone or in a buffer).
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
        case .tanh: return FastTanh.value(a)
        case .sigmoid: return 1 / (1 + Foundation.exp(-a))
        }
    }

    /// f of `count` values of `a` into `fa` (the forward pass's bulk call: tanh vectorised, `FastTanh`);
    /// every value exactly `value(_:)` of it.
    @inlinable
    public func apply(_ a: UnsafePointer<Double>, into fa: UnsafeMutablePointer<Double>, count: Int) {
        switch self {
        case .tanh: FastTanh.apply(a, into: fa, count: count)
        case .leakyRelu: for i in 0..<count { fa[i] = Activation.leakyRelu.value(a[i]) }
        case .relu: for i in 0..<count { fa[i] = Activation.relu.value(a[i]) }
        case .sigmoid: for i in 0..<count { fa[i] = Activation.sigmoid.value(a[i]) }
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
