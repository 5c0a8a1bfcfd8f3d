/** A result, or the error it threw (with drizzle's random table aliases taken out of the SQL). */
export const outcome = (run: () => Promise<unknown>) =>
  run().then(
    (value) => ({ value }),
    (error: Error) => ({
      error: error.message.replace(
        /[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}/g,
        'alias',
      ),
    }),
  )
