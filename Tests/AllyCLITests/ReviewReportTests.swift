import AllyCore
import AllyStore
import AllyTesting
import Foundation
import Testing

/// Issue #4 §4: the HTML review, rendered by a real browser (headless Chromium) to PNG.
@Suite struct ReviewReportTests {
    let folder = TemporaryDirectory()
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func theHTMLReviewRendersInChromiumWithItsCharts() throws {
        let j = Laptop(folder, "j", clock: ManualClock(millis: ISOTimestamp.parse("2026-11-22T18:00:00Z") ?? 0))
        j.ok(
            "new", "reflection", "Noticed <who> takes notes & why", "--theme", "humility", "--level", "interpersonal",
            "--on", "monday")
        j.ok("new", "reflection", "Read Athena Rising", "--theme", "capability", "--on", "tuesday")
        j.ok(
            "new", "mistake", "Talked over Dr. K.\nLesson: wait.", "--theme", "integrity", "--level", "public", "--on",
            "wednesday")
        j.ok("pledge", "log", "mentoring", "30", "--on", "thursday")
        j.ok("new", "reflection", "Home audit", "--theme", "reliability", "--theme", "agency", "--on", "friday")
        let html = folder.file("review.html")
        j.ok("review", "--html", html)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        // Self-contained: no scripts and nothing fetched from elsewhere.
        #expect(
            !page.contains("<script") && !page.contains("src=\"http") && !page.contains("href=\"http")
                && !page.contains("@import"))
        #expect(page.contains("Noticed &lt;who&gt; takes notes &amp; why") == false)  // headlines of reflections are not listed…
        #expect(page.contains("Talked over Dr. K."))  // …but mistakes are, escaped
        #expect(page.components(separatedBy: "<svg").count - 1 >= 4)

        // Render it in a real browser.
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        let browser = try #require(chromium, "headless Chromium is needed: Tools/test.sh installs Debian's chromium")
        let png = folder.file("review.png")
        let rendered = try Subprocess.run(
            browser,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=900,2000",
                "--screenshot=\(png)", "file://\(html)",
            ])
        #expect(rendered.status == 0)
        let checker = Self.root.appendingPathComponent("Tools/scripts/png_colours.py").path
        let colours = ["0f8b8d", "3a5fcd", "2e8b57", "c9860a", "9b3d9b", "6b7280"]
        let checked = try Subprocess.run("python3", [checker, png] + colours)
        #expect(checked.status == 0)
        let report = try decodeJSON(checked.stdout)
        let counts = try #require(report["colours"] as? [String: Int])
        // The page rendered (plenty of ink), and every theme with entries drew its bar in its colour.
        #expect((report["ink"] as? Int ?? 0) > 20_000)
        for colour in colours { #expect((counts[colour] ?? 0) > 300, "no \(colour) bar drawn: \(counts)") }
    }
}
