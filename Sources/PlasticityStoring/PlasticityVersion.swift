/// The version stored with every result, so a results file says which code produced it.
public enum PlasticityVersion {
    public static let current = "0.1.0"
}
