import { EmptyState } from '@/components/ui/primitives'

/**
 * What an operator whose role lacks `webhooks:manage` (a viewer) sees instead of webhook endpoints:
 * their URLs, deliveries and receivers' answers are what the API refuses that role, so the dashboard
 * does not show them either.
 */
export function WebhooksForAdmins() {
  return (
    <EmptyState title="Webhooks are for admins">
      <p data-testid="webhooks-admins-only">
        Endpoint URLs, deliveries and what the receivers answered need the <code>webhooks:manage</code> scope, which viewers do not have.
        Ask an admin.
      </p>
    </EmptyState>
  )
}
