// The one place that listens for signals. `process.on` with our own guard rather than
// `once`: a second signal must still be caught, or Node's default action kills the
// process mid-drain (throng learned this the hard way).

export interface SignalHandlers {
  /** The first SIGTERM or SIGINT, and every later SIGTERM: Heroku may send it more than once. */
  shutdown(signal: NodeJS.Signals): void;
  /** A second SIGINT: someone at a terminal pressed Ctrl+C again and means it. */
  force(signal: NodeJS.Signals): void;
  /** SIGHUP. Handled everywhere, since its default action would kill the process. */
  reload(): void;
}

export function onSignals(handlers: SignalHandlers): () => void {
  let stopping = false;
  const onStop = (signal: NodeJS.Signals) => {
    if (stopping && signal === 'SIGINT') handlers.force(signal);
    else handlers.shutdown(signal);
    stopping = true;
  };
  const onHup = () => handlers.reload();
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onHup);
  };
}
