/// The grammar of the AWS ids that runbooks build commands around: a value from the cluster that does not
/// match is refused rather than quoted into a command that would act on something else.
public enum AWSIdentifier {
    /// `vol-` and 8 (older) or 17 lowercase hex digits.
    public static func isVolumeId(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 12 || bytes.count == 21, text.hasPrefix("vol-") else { return false }
        return bytes.dropFirst(4).allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// The region of an availability zone (`us-east-1a` → `us-east-1`) or a Local Zone
    /// (`us-west-2-lax-1a` → `us-west-2`); nil when the text is neither.
    public static func region(ofZone zone: String) -> String? {
        guard let letter = zone.last, letter.isASCII, letter.isLowercase else { return nil }
        var parts = zone.dropLast().split(separator: "-", omittingEmptySubsequences: false)
        // A Local Zone adds `-<metro>-<n>` after the region.
        if parts.count >= 5, isNumber(parts[parts.count - 1]), isWord(parts[parts.count - 2]) { parts.removeLast(2) }
        guard parts.count >= 3, parts[0].count == 2, isWord(parts[0]), isNumber(parts[parts.count - 1]),
            parts.dropFirst().dropLast().allSatisfy(isWord)
        else { return nil }
        return parts.joined(separator: "-")
    }

    private static func isWord(_ part: Substring) -> Bool { !part.isEmpty && part.utf8.allSatisfy { (97...122).contains($0) } }
    private static func isNumber(_ part: Substring) -> Bool { !part.isEmpty && part.count <= 2 && part.utf8.allSatisfy { (48...57).contains($0) } }
}
