import AllyStore
import AllyTesting
import Foundation
import Testing

/// Issue 10 §1: the editor works in a real terminal. Each test runs the real `ally` binary in a tmux pane with a
/// real vim or nano, types as a person would, and checks the journal. (The editor used to run in a process group
/// of its own and was stopped by the terminal as soon as it read: state T, only Ctrl-C got out.)
@Suite(.serialized) struct RealTerminalEditorTests {
    let folder = TemporaryDirectory()

    /// A tmux server of its own, so tests never touch a user's sessions.
    final class Terminal {
        let socket: String
        let folder: TemporaryDirectory
        var count = 0

        init(_ folder: TemporaryDirectory) {
            self.folder = folder
            socket = "ally-test-\(UUID().uuidString.prefix(8))"
        }

        deinit { try? quietly(["kill-server"]) }

        /// Runs tmux with no pipes: the first client forks the tmux server, which would hold a pipe open forever.
        func quietly(_ arguments: [String]) throws {
            // posix_spawn and waitpid, not Foundation's Process, which never saw this client exit (it forks).
            var argv: [UnsafeMutablePointer<CChar>?] = (["tmux", "-L", socket] + arguments).map { strdup($0) } + [nil]
            defer { for pointer in argv { free(pointer) } }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            for descriptor in [Int32(0), 1, 2] {
                posix_spawn_file_actions_addopen(
                    &actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
            }
            var pid: pid_t = 0
            guard posix_spawn(&pid, "/usr/bin/tmux", &actions, nil, &argv, environ) == 0 else {
                throw POSIXError(.ENOENT)
            }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        }

        func tmux(_ arguments: [String]) throws -> String {
            let result = try Subprocess.run("tmux", ["-L", socket] + arguments)
            return result.stdout
        }

        /// Starts `command` (a shell line) in a new 100×30 window; returns the window name and the file that will
        /// hold its exit status.
        func start(_ command: String, environment: [String: String]) throws -> (window: String, status: String) {
            count += 1
            let window = "w\(count)"
            let status = folder.file("status-\(count)")
            let exports = environment.map { "export \($0.key)='\($0.value)';" }.joined(separator: " ")
            let line = "\(exports) \(command) 2>\(folder.file("stderr-\(count)")); echo $? > \(status)"
            // A session per command: a session ends with its last window, and the server with its last session.
            // bash, as an interactive user has: it outlives a Ctrl-C that its foreground command survives.
            try quietly(["new-session", "-d", "-s", window, "-x", "100", "-y", "30", "bash", "-c", line])
            return (window, status)
        }

        func screen(_ window: String) throws -> String { try tmux(["capture-pane", "-p", "-t", "\(window):"]) }

        /// The screen for a failure message.
        func shown(_ window: String) -> String { (try? screen(window)) ?? "(no screen)" }

        /// Waits until the window's screen shows `text`.
        func waitFor(_ text: String, in window: String, seconds: Double = 15) throws -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if (try? screen(window))?.contains(text) == true { return true }
                Thread.sleep(forTimeInterval: 0.1)
            }
            return false
        }

        func type(_ window: String, _ keys: String...) throws {
            for key in keys {
                _ = try tmux(["send-keys", "-t", "\(window):", key])
                Thread.sleep(forTimeInterval: 0.15)
            }
        }

        func typeLiterally(_ window: String, _ text: String) throws {
            _ = try tmux(["send-keys", "-t", "\(window):", "-l", text])
            Thread.sleep(forTimeInterval: 0.15)
        }

        /// Waits for the command to end and returns its exit status (nil on timeout).
        func status(_ file: String, seconds: Double = 20) -> Int32? {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if let text = try? String(contentsOfFile: file, encoding: .utf8),
                    let value = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
                {
                    return value
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            return nil
        }
    }

    var environment: [String: String] {
        [
            "ALLY_JOURNAL": folder.file("j.sqlite"), "HOME": folder.path, "XDG_DATA_HOME": folder.file("data"),
            "NO_COLOR": "1", "TERM": "xterm-256color", "PATH": "/usr/bin:/bin",
        ]
    }

    func entries() throws -> [[String: Any]] {
        let listed = try Subprocess.run(BinaryTests.binary, ["list", "--json"], environment: environment)
        if listed.status == 3, listed.stderr.contains("no journal") { return [] }
        return try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
    }

    @Test func vimWritesANewEntryAndNanoEditsIt() throws {
        let terminal = Terminal(folder)
        // ally new with vim: the editor opens on the template, takes the keys, and the entry is saved.
        var vim = environment
        vim["EDITOR"] = "vim -u NONE -N"
        let new = try terminal.start("'\(BinaryTests.binary)' new reflection", environment: vim)
        #expect(
            try terminal.waitFor(">8", in: new.window), "vim did not show the template: \(terminal.shown(new.window))")
        try terminal.type(new.window, "g", "g", "O")
        try terminal.typeLiterally(new.window, "Typed in a real vim")
        try terminal.type(new.window, "Escape")
        try terminal.typeLiterally(new.window, ":wq")
        try terminal.type(new.window, "Enter")
        let newStatus = terminal.status(new.status)
        #expect(newStatus == 0, "ally new: \(String(describing: newStatus)); screen:\n\(terminal.shown(new.window))")
        let written = try #require(try entries().first)
        #expect((written["body"] as? String)?.hasPrefix("Typed in a real vim") == true, "\(written)")
        let id = try #require(written["id"] as? String)

        // ally edit with nano: type at the top, write out, exit.
        var nano = environment
        nano["EDITOR"] = "nano"
        let edit = try terminal.start("'\(BinaryTests.binary)' edit \(id.prefix(8))", environment: nano)
        #expect(try terminal.waitFor("Typed in a real vim", in: edit.window), "\(terminal.shown(edit.window))")
        try terminal.typeLiterally(edit.window, "Edited in nano. ")
        try terminal.type(edit.window, "C-o")
        #expect(try terminal.waitFor("File Name to Write", in: edit.window), "\(terminal.shown(edit.window))")
        try terminal.type(edit.window, "Enter", "C-x")
        let editStatus = terminal.status(edit.status)
        #expect(
            editStatus == 0, "ally edit: \(String(describing: editStatus)); screen:\n\(terminal.shown(edit.window))")
        let edited = try #require(try entries().first)
        #expect((edited["body"] as? String)?.hasPrefix("Edited in nano. Typed in a real vim") == true, "\(edited)")
    }

    @Test func anInterruptedEditorKeepsTheTextAsADraftThatResumeReopens() throws {
        let terminal = Terminal(folder)
        // An "editor" that writes some words, then waits: Ctrl-C ends it, and ally keeps the words.
        let slow = folder.file("slow-editor.sh")
        try "#!/bin/sh\nprintf 'Words typed before Ctrl-C\\n' > \"$1\"\necho editing; sleep 30\n".write(
            toFile: slow, atomically: true, encoding: .utf8)
        chmod(slow, 0o755)
        var env = environment
        env["EDITOR"] = slow
        let new = try terminal.start("'\(BinaryTests.binary)' new reflection", environment: env)
        #expect(try terminal.waitFor("editing", in: new.window))
        try terminal.type(new.window, "C-c")
        let status = terminal.status(new.status)
        #expect(status == 1, "\(String(describing: status))")
        let stderr = (try? String(contentsOfFile: folder.file("stderr-1"), encoding: .utf8)) ?? ""
        #expect(stderr.contains("interrupted") && stderr.contains("--resume"), "\(stderr)")
        #expect(try entries().isEmpty)
        let drafts = try FileManager.default.contentsOfDirectory(atPath: folder.file("data/ally/drafts"))
        #expect(drafts.count == 1)
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.file("data/ally/drafts/" + drafts[0]))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        // --resume reopens it in vim; saving writes the entry and removes the draft.
        var vim = environment
        vim["EDITOR"] = "vim -u NONE -N"
        let resume = try terminal.start("'\(BinaryTests.binary)' new --resume", environment: vim)
        #expect(
            try terminal.waitFor("Words typed before Ctrl-C", in: resume.window), "\(terminal.shown(resume.window))")
        try terminal.typeLiterally(resume.window, ":wq")
        try terminal.type(resume.window, "Enter")
        #expect(terminal.status(resume.status) == 0, "\(terminal.shown(resume.window))")
        #expect((try entries().first?["body"] as? String)?.contains("Words typed before Ctrl-C") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("data/ally/drafts")).isEmpty)
    }
}
