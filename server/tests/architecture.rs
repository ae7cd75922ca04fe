//! The layout the code tour promises, checked on the sources themselves, so a
//! change that quietly undoes it fails here rather than in a review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// `crate::x` references between the top-level modules of a crate's `src/`,
/// comments and doc comments left out.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let top = |path: &Path| {
        let relative = path.strip_prefix(src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        first.to_string_lossy().trim_end_matches(".rs").to_owned()
    };
    let modules: BTreeSet<String> = std::fs::read_dir(src)
        .unwrap()
        .map(|e| top(&e.unwrap().path()))
        .filter(|m| m != "lib")
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(src) {
        let from = top(&file);
        let code: String = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for (i, _) in code.match_indices("crate::") {
            let name: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name != from && modules.contains(&name) {
                graph.entry(from.clone()).or_default().insert(name);
            }
        }
    }
    graph
}

fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<(String, String)> {
    let reaches = |from: &str, to: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(node) = stack.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if next == to {
                    return true;
                }
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        false
    };
    graph
        .iter()
        .flat_map(|(from, tos)| tos.iter().map(move |to| (from.clone(), to.clone())))
        .filter(|(from, to)| reaches(to, from))
        .collect()
}

#[test]
fn no_module_of_backend_or_app_imports_one_that_imports_it_back() {
    for krate in ["backend", "app", "domain"] {
        let graph = module_graph(&workspace().join(krate).join("src"));
        assert_eq!(
            cycles(&graph),
            vec![],
            "import cycles in {krate}: {graph:#?}"
        );
    }
}

#[test]
fn backend_plumbing_never_imports_a_feature() {
    let graph = module_graph(&workspace().join("backend/src"));
    let plumbing = [
        "breaker",
        "calendar",
        "client",
        "clock",
        "ctx",
        "error",
        "lifecycle",
        "live",
        "local_time",
        "password",
        "rate_limit",
        "session",
        "settings",
        "sql",
        "tokens",
        "uow",
    ];
    for module in plumbing {
        let imports = graph.get(module).cloned().unwrap_or_default();
        let features: Vec<_> = imports
            .iter()
            .filter(|m| !plumbing.contains(&m.as_str()))
            .collect();
        assert!(features.is_empty(), "{module} imports {features:?}");
    }
}

#[test]
fn only_the_app_reads_the_leptos_context_and_only_the_app_knows_leptos() {
    for krate in ["backend", "domain"] {
        for file in rust_files(&workspace().join(krate).join("src")) {
            let code = std::fs::read_to_string(&file).unwrap();
            for forbidden in [
                "use_context",
                "expect_context",
                "leptos::",
                "cfg(feature = \"ssr\")",
            ] {
                assert!(
                    !code.contains(forbidden),
                    "{} uses {forbidden}",
                    file.display()
                );
            }
        }
        let manifest = std::fs::read_to_string(workspace().join(krate).join("Cargo.toml")).unwrap();
        assert!(!manifest.contains("leptos"), "{krate} depends on Leptos");
    }
    // In the app, only the request helpers and pages (not services) read state.
    for file in rust_files(&workspace().join("app/src")) {
        let code = std::fs::read_to_string(&file).unwrap();
        let reads_state =
            code.contains("use_context::<AppState>") || code.contains("use_context::<Parts>");
        assert!(
            !reads_state || file.ends_with("request.rs"),
            "{} reads the state or request outside app/src/request.rs",
            file.display()
        );
    }
}

/// Routes are mounted by `server::http::paths` constants only, so the access
/// matrix (`matrix.rs`), which requires a row for each of `paths::ALL`, sees
/// every route the router has.
#[test]
fn routes_are_mounted_by_named_paths_the_access_matrix_lists() {
    for file in rust_files(&workspace().join("server/src")) {
        let source = std::fs::read_to_string(&file).unwrap();
        let literal = source
            .split(".route(")
            .skip(1)
            .any(|rest| rest.trim_start().starts_with('"'));
        assert!(
            !literal,
            "{}: mount routes with a server::http::paths constant (and add it to paths::ALL)",
            file.display()
        );
    }
}

/// The audit page speaks in sentences and filters by category: an action
/// recorded anywhere in the code but missing from `domain::audit::ACTIONS`
/// would show as its machine name and belong to no category.
#[test]
fn every_recorded_audit_action_is_one_the_audit_page_knows() {
    let known: BTreeSet<&str> = domain::audit::ACTIONS.iter().map(|(a, _)| *a).collect();
    let mut recorded = BTreeSet::new();
    for src in ["backend/src", "server/src"] {
        for file in rust_files(&workspace().join(src)) {
            let code = std::fs::read_to_string(&file).unwrap();
            // Every "noun.verb" literal in these crates is an audit action.
            for (start, _) in code.match_indices('"') {
                let rest = &code[start + 1..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_lowercase() || c == '_' || c == '.'))
                    .unwrap_or(rest.len());
                let literal = &rest[..end];
                let shaped = literal.split('.').count() == 2
                    && literal.split('.').all(|word| !word.is_empty());
                if shaped && rest[end..].starts_with('"') {
                    recorded.insert(literal.to_owned());
                }
            }
        }
    }
    assert!(
        recorded.len() > 50,
        "the scan found the actions: {recorded:?}"
    );
    let unknown: Vec<_> = recorded
        .iter()
        .filter(|a| !known.contains(a.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "recorded but unknown to the audit page: {unknown:?}"
    );
}
