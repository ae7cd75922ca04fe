use server::config::Config;
use server::startup::Application;
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("configuration error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    server::telemetry::init(&config);
    let worker_only = std::env::args().any(|arg| arg == "--worker");
    let result = if worker_only {
        server::startup::run_worker_only(config).await
    } else {
        async { Application::build(config).await?.run_until_stopped().await }.await
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = ?e, "server stopped with an error");
            ExitCode::FAILURE
        }
    }
}
