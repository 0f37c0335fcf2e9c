'use client'

import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from 'react'

type Toast = { id: number; kind: 'success' | 'error'; text: string }
type ToastApi = { success(text: string): void; error(text: string): void }

const ToastContext = createContext<ToastApi>({ success: () => undefined, error: () => undefined })

const STYLES = {
  success: 'border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100',
  error: 'border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100',
}

/** Short confirmations of what an action did, announced to screen readers; each leaves after 5 s or on dismiss. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([])
  const next = useRef(0)
  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((t) => t.id !== id)), [])
  const push = useCallback(
    (kind: Toast['kind'], text: string) => {
      const id = ++next.current
      setToasts((list) => [...list.slice(-3), { id, kind, text }])
      setTimeout(() => dismiss(id), 5000)
    },
    [dismiss],
  )
  const api = useMemo<ToastApi>(() => ({ success: (t) => push('success', t), error: (t) => push('error', t) }), [push])
  return (
    <ToastContext.Provider value={api}>
      {children}
      <div aria-live="polite" className="pointer-events-none fixed inset-x-0 bottom-4 z-50 flex flex-col items-center gap-2 px-4">
        {toasts.map((t) => (
          <div
            key={t.id}
            role={t.kind === 'error' ? 'alert' : 'status'}
            data-testid={`toast-${t.kind}`}
            className={`pointer-events-auto flex max-w-md items-start gap-3 rounded-md border px-3 py-2 text-sm shadow-lg ${STYLES[t.kind]}`}
          >
            <span className="flex-1">{t.text}</span>
            {/* the name starts with the visible word (WCAG 2.5.3): "Dismiss notification" did not contain "Close" */}
            <button type="button" className="text-xs underline" onClick={() => dismiss(t.id)} aria-label="Close notification">
              Close
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  )
}

export function useToast(): ToastApi {
  return useContext(ToastContext)
}
