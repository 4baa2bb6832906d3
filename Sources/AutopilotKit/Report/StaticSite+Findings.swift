import Foundation

/// The findings explorer and a page per finding.
extension StaticSite {
    // MARK: Explorer

    /// Every finding in one table, sortable and filterable by a small script; without the script the
    /// whole table is there, by savings, and the filter controls stay hidden.
    var explorer: Page {
        let path = "findings.html"
        let e = HTML.escape
        let entries = fleet.entries.sorted(by: WeeklyReport.bySavingsThenRisk)
        func options(_ name: String, _ key: String, _ values: [String]) -> String {
            "<label>\(e(name)) <select data-filter=\"\(key)\"><option value=\"\">all</option>"
                + Set(values).sorted().map { "<option value=\"\(e($0))\">\(e($0))</option>" }.joined() + "</select></label>"
        }
        var body = "<h1>Findings</h1>\n<p class=\"note\">Every finding the ledger holds, with where it is. Savings per month as the "
            + "headline counts them: estimated while open or on its way, realized once verified, none when rejected or expired. "
            + "\(e(totalsLine(entries)))</p>\n"
        body += "<form class=\"filters\" id=\"filters\" hidden><label>Search <input id=\"q\" type=\"search\" placeholder=\"workload, summary, id\"></label>"
            + options("cluster", "cluster", entries.map(\.cluster)) + options("team", "team", entries.map(\.team))
            + options("detector", "detector", entries.map(\.detector)) + options("headline", "state", entries.map(Self.state))
            + options("gate", "gate", entries.map { $0.gate ?? "–" }) + "</form>\n<p id=\"shown\" class=\"note\"></p>\n"
        body += "<table id=\"findings\"><thead><tr>"
        for (label, key, numeric) in [("finding", "workload", false), ("cluster", "cluster", false), ("team", "team", false),
                                      ("detector", "detector", false), ("where it is", "stage", false), ("savings", "savings", true),
                                      ("risk", "risk", true), ("gate", "gate", false)] {
            body += "<th\(key == "savings" ? " class=\"n\"" : "")><button type=\"button\" data-sort=\"\(key)\" data-numeric=\"\(numeric ? "yes" : "no")\">\(label)</button></th>"
        }
        body += "</tr></thead><tbody>"
        for entry in entries {
            let attributes = [("workload", entry.workload), ("cluster", entry.cluster), ("team", entry.team), ("detector", entry.detector),
                              ("stage", entry.stage), ("state", Self.state(entry)), ("gate", entry.gate ?? "–"),
                              ("savings", String(Self.counted(entry).cents)), ("risk", entry.riskOverall.map { String($0) } ?? "1"),
                              ("search", "\(entry.id) \(entry.workload) \(entry.summary)".lowercased())]
            body += "<tr" + attributes.map { " data-\($0.0)=\"\(e($0.1))\"" }.joined() + ">"
                + "<td>\(Self.link(entry.workload, to: Self.findingPath(entry.id), from: path))</td><td>\(e(entry.cluster))</td>"
                + "<td>\(e(entry.team))</td><td>\(e(entry.detector))</td><td>\(e(entry.stage))</td><td class=\"n\">\(Self.counted(entry))</td>"
                + "<td>\(e(entry.riskLevel ?? "–"))</td><td>\(e(entry.gate ?? "–"))</td></tr>"
        }
        body += "</tbody></table>\n"
        return page(path, title: "Findings", body: body, script: Self.explorerScript)
    }

    /// The headline a finding counts in, or its status when none (rejected, expired).
    static func state(_ entry: WeeklyReport.Entry) -> String { entry.savingsState?.rawValue ?? entry.status.rawValue }

    /// What a finding counts for in the headline: realized when verified, estimated when open or on its
    /// way, nothing when rejected or expired. The explorer's rows add up to the headline's figures.
    static func counted(_ entry: WeeklyReport.Entry) -> Money {
        switch entry.savingsState {
        case .verified?: return entry.realized
        case .identified?, .projected?: return entry.savings
        case nil: return .zero
        }
    }

    /// "55 findings: identified $…, projected $…, verified to date $… (a month)": the headline's figures.
    func totalsLine(_ entries: [WeeklyReport.Entry]) -> String {
        let identified = entries.filter(\.isIdentified).map(\.savings).sum()
        let projected = entries.filter(\.isProjected).map(\.savings).sum()
        let verified = entries.filter { $0.status == .verified }.map(\.realized).sum()
        return "\(entries.count) findings: identified \(identified), projected \(projected), verified to date \(verified)."
    }

    /// Filters rows by the search text and the selects, sorts by a header, and says how many are shown and
    /// what they save. Plain ES5, no library.
    static let explorerScript = """
        (function () {
          var body = document.getElementById('findings').tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          var selects = Array.prototype.slice.call(document.querySelectorAll('select[data-filter]'));
          var search = document.getElementById('q');
          var shown = document.getElementById('shown');
          function dollars(cents) {
            var sign = cents < 0 ? '-' : '', whole = String(Math.floor(Math.abs(cents) / 100)), part = String(Math.abs(cents) % 100);
            return sign + '$' + whole.replace(/\\B(?=(\\d{3})+(?!\\d))/g, ',') + '.' + (part.length < 2 ? '0' + part : part);
          }
          function apply() {
            var text = search.value.toLowerCase(), count = 0, cents = 0;
            rows.forEach(function (row) {
              var keep = row.getAttribute('data-search').indexOf(text) >= 0;
              selects.forEach(function (select) {
                if (select.value && row.getAttribute('data-' + select.getAttribute('data-filter')) !== select.value) { keep = false; }
              });
              row.hidden = !keep;
              if (keep) { count += 1; cents += parseInt(row.getAttribute('data-savings'), 10); }
            });
            shown.textContent = count + ' of ' + rows.length + ' findings shown, saving ' + dollars(cents) + ' a month';
          }
          Array.prototype.slice.call(document.querySelectorAll('button[data-sort]')).forEach(function (button) {
            button.addEventListener('click', function () {
              var key = 'data-' + button.getAttribute('data-sort'), numeric = button.getAttribute('data-numeric') === 'yes';
              var descending = button.getAttribute('aria-sort') !== 'descending';
              rows.sort(function (a, b) {
                var x = a.getAttribute(key), y = b.getAttribute(key);
                var order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
                return descending ? -order : order;
              });
              rows.forEach(function (row) { body.appendChild(row); });
              Array.prototype.slice.call(document.querySelectorAll('button[data-sort]')).forEach(function (other) { other.removeAttribute('aria-sort'); });
              button.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
            });
          });
          search.addEventListener('input', apply);
          selects.forEach(function (select) { select.addEventListener('change', apply); });
          document.getElementById('filters').hidden = false;
          apply();
        })();
        """

    // MARK: A finding

    func findingPage(_ entry: WeeklyReport.Entry) -> Page {
        let path = Self.findingPath(entry.id)
        let e = HTML.escape
        var body = "<h1>\(e(entry.workload)): \(e(entry.detector))</h1>\n<p>\(e(entry.summary))</p>\n"
        let team = teams.contains(entry.team) ? Self.link(entry.team, to: Self.teamPath(entry.team), from: path) : e(entry.team)
        let facts: [(String, String)] = [
            ("finding", "<code>\(e(entry.id))</code>"), ("cluster", Self.link(entry.cluster, to: Self.clusterPath(entry.cluster), from: path)),
            ("team", team), ("where it is", e(entry.stage)), ("savings, per month", "\(entry.savings)"),
            ("realized, per month", entry.status == .verified ? "\(entry.realized)" : "–"),
            ("risk", e(entry.riskLevel.map { "\($0)" + (entry.riskOverall.map { " (\($0))" } ?? "") } ?? "unscored")),
            ("gate", e(entry.gate ?? "–")),
        ]
        body += "<table>" + facts.map { "<tr><th>\(e($0.0))</th><td>\($0.1)</td></tr>" }.joined() + "</table>\n"

        // A finding the run no longer reports shows the evidence it was last reported with, without the
        // cluster's records of now (they show the cluster after the change, not what the decision saw).
        let lastReported = findingRecords[entry.id] == nil ? lastReportedFindings[entry.id] : nil
        let pack = findingRecords[entry.id].map { EvidencePack(finding: $0, cluster: set.clusters[entry.cluster] ?? ObservedCluster(), costs: model) }
            ?? lastReported.map { EvidencePack(finding: $0.finding, cluster: ObservedCluster(), costs: model) }
        body += "<h2>Change</h2>\n" + prCard(entry, pack: pack)
        let step = WeeklyReport.nextStep(for: entry, ledger: ledger)
        if entry.status.isUnrealized {
            body += "<p><strong>Next step:</strong> \(e(step.text))" + (step.command.map { "<br><code>\(e($0))</code>" } ?? "") + "</p>\n"
        }

        body += "<h2>Lifecycle</h2>\n"
        if entry.transitions.isEmpty {
            body += "<p>Not in the ledger yet: detected by this run.</p>\n"
        } else {
            body += "<table><tr><th>when</th><th>status</th><th>change</th><th>who</th><th>why</th></tr>"
            for transition in entry.transitions {
                let status = transition.from == transition.to ? "" : (transition.from.map { "\($0) → " } ?? "") + transition.to
                body += "<tr><td>\(e(RFC3339.string(transition.at)))</td><td>\(e(status))</td><td>\(e(transition.change?.label ?? ""))</td>"
                    + "<td>\(e(transition.actor))</td><td>\(e(transition.reason ?? ""))</td></tr>"
            }
            body += "</table>\n"
        }
        if let verification = entry.verification {
            body += "<p>Verification by the cluster: \(e(verification))" + (entry.verificationReason.map { ": \(e($0))" } ?? "") + ".</p>\n"
        }
        let incidents = incidentsOfFinding[entry.id] ?? []
        if !incidents.isEmpty {
            body += "<h2>Incidents it answers</h2>\n<ul>" + incidents.map { "<li>\(Self.link($0, to: Self.incidentPath($0), from: path))</li>" }.joined()
                + "</ul>\n"
        }
        body += "<h2>Evidence</h2>\n"
        if lastReported != nil {
            body += "<p>As last reported, by the run of \(e(lastReported?.lastSeen ?? "an earlier week")); "
                + "the runs since no longer report it, so usage charts are in that run's evidence pack.</p>\n"
        }
        body += pack.map { "<section class=\"evidence\">\n\($0.htmlBody)</section>\n" }
            ?? "<p>The latest run's stream does not report this finding, so there is no evidence from it here.</p>\n"
        return page(path, title: "\(entry.workload): \(entry.detector)", body: body, evidence: true)
    }

    /// The PR card: where the change stands, its branch and PR, the files it edits, the values it sets
    /// and the rollback.
    func prCard(_ entry: WeeklyReport.Entry, pack: EvidencePack?) -> String {
        let e = HTML.escape
        let change = changeRecords[entry.id]
        var card = "<div class=\"card\">"
        card += "<p><strong>\(e(entry.changeState?.label ?? "no change opened yet"))</strong>"
            + (entry.changeReason.map { ": \(e($0))" } ?? "") + "</p>"
        if let branch = entry.changeBranch { card += "<p>Branch <code>\(e(branch))</code></p>" }
        if let url = entry.changeURL {
            // Only a web address is a link: anything else the ledger holds is shown as text.
            let web = url.hasPrefix("https://") || url.hasPrefix("http://")
            card += "<p>Pull request: " + (web ? "<a href=\"\(e(url))\">\(e(url))</a>" : e(url)) + "</p>"
        }
        let files = change?["files"]?.value.stringList ?? []
        if !files.isEmpty { card += "<p>Files: " + files.map { "<code>\(e($0))</code>" }.joined(separator: ", ") + "</p>" }
        if let pack, !pack.changeRows.isEmpty {
            card += "<table><tr><th>field</th><th>now</th><th>recommended</th><th>rollback value</th></tr>"
                + pack.changeRows.map { "<tr><td>\(e($0.field))</td><td>\(e($0.current))</td><td>\(e($0.recommended))</td><td>\(e($0.rollback))</td></tr>" }
                .joined() + "</table>"
            card += "<p>Rollback: " + pack.undo.map(e).joined(separator: " ") + "</p>"
        }
        return card + "</div>\n"
    }
}
