import { startAxiomReceiver } from "./axiomReceiver.js";

/**
 * A local stand-in for a Discord/Slack webhook: the Axiom stand-in, which records any JSON post (one post is one
 * event). `hang` takes posts and never answers them: a stuck webhook. Posts go to `${url}/webhooks/1/${TOKEN}`, so
 * a test can look for the webhook's token where it must not be.
 */
export async function startAlertReceiver(options: { hang?: boolean } = {}) {
  const receiver = await startAxiomReceiver(options);
  const alerts = () => receiver.events() as { content: string; text: string; pag0: Record<string, unknown> }[];
  return {
    ...receiver,
    webhookUrl: `${receiver.url}/webhooks/1/${WEBHOOK_TOKEN}`,
    alerts,
    /** the alerts received so far of one kind */
    ofKind: (kind: string) => alerts().filter((a) => a.pag0.kind === kind),
  };
}

export const WEBHOOK_TOKEN = "webhook-token-not-to-be-shown";
