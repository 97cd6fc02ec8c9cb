// Loads the signed-in user; sends the browser to /login when there is none.
import { useEffect, useState } from 'react';
import { ApiError, fetchMe, type Me } from '../api';
import { navigate } from '../navigate';

export function useMe(): Me | null {
  const [me, setMe] = useState<Me | null>(null);
  useEffect(() => {
    fetchMe()
      .then(setMe)
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.problem.status === 401) navigate('/login');
      });
  }, []);
  return me;
}
